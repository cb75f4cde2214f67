"use client";
import type { ReactNode } from "react";
import { useHydrated } from "../_components/use-hydrated";

/**
 * A submit button that asks first: revoking an account cannot be undone from the console. It
 * stays disabled until React has hydrated it, so no early click can submit without the question.
 */
export function ConfirmButton({ question, label, children }: { question: string; label: string; children: ReactNode }) {
  const hydrated = useHydrated();
  return (
    <button
      type="submit"
      className="danger"
      aria-label={label}
      disabled={!hydrated}
      onClick={(event) => {
        if (!window.confirm(question)) event.preventDefault();
      }}
    >
      {children}
    </button>
  );
}
