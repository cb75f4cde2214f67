"use client";
import { signOut } from "next-auth/react";
import { useEffect, useState } from "react";

// next-auth's signOut POSTs to /api/auth/signout with its CSRF token (double-submit cookie),
// so a cross-site page cannot sign the user out. The click handler exists only once React has
// hydrated the button; until then it is disabled, so an early click is visibly not taken
// instead of silently lost.
export function SignOutButton() {
  const [hydrated, setHydrated] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => setHydrated(true), []);
  return (
    <button
      type="button"
      disabled={!hydrated || busy}
      onClick={() => {
        setBusy(true);
        void signOut({ callbackUrl: "/" });
      }}
    >
      Sign out
    </button>
  );
}
