"use client";
import type { ReactNode } from "react";

/** A submit button that asks first: revoking an account cannot be undone from the console. */
export function ConfirmButton({ question, label, children }: { question: string; label: string; children: ReactNode }) {
  return (
    <button
      type="submit"
      className="danger"
      aria-label={label}
      onClick={(event) => {
        if (!window.confirm(question)) event.preventDefault();
      }}
    >
      {children}
    </button>
  );
}
