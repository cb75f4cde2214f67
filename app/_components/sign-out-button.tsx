"use client";
import { signOut } from "next-auth/react";
import { useState } from "react";
import { useHydrated } from "./use-hydrated";

// next-auth's signOut POSTs to /api/auth/signout with its CSRF token (double-submit cookie),
// so a cross-site page cannot sign the user out. Disabled until hydrated (see useHydrated).
export function SignOutButton() {
  const hydrated = useHydrated();
  const [busy, setBusy] = useState(false);
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
