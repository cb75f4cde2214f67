"use client";
import { signOut } from "next-auth/react";
import { useState } from "react";

// next-auth's signOut POSTs to /api/auth/signout with its CSRF token (double-submit cookie),
// so a cross-site page cannot sign the user out.
export function SignOutButton() {
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      disabled={busy}
      onClick={() => {
        setBusy(true);
        void signOut({ callbackUrl: "/" });
      }}
    >
      Sign out
    </button>
  );
}
