"use client";
import { signIn } from "next-auth/react";
import { useState, type FormEvent } from "react";
import { signInErrorMessage } from "@/lib/auth/messages";
import { FormSubmit } from "../_components/form-submit";

export function SignInForm({ callbackUrl, initialError }: { callbackUrl: string; initialError: string | null }) {
  const [error, setError] = useState<string | null>(initialError);
  const [busy, setBusy] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      // next-auth fetches its CSRF token, posts the credentials and sets the session cookie.
      const result = await signIn("credentials", {
        email: String(form.get("email") ?? ""),
        password: String(form.get("password") ?? ""),
        callbackUrl,
        redirect: false,
      });
      if (result?.ok && !result.error) {
        // A full navigation, so every server component renders with the new session.
        window.location.assign(callbackUrl);
        return;
      }
      setError(signInErrorMessage(result?.error ?? "unknown"));
    } catch {
      setError("Sign-in failed. Check your connection and try again.");
    }
    setBusy(false);
  }

  return (
    // method and action matter only before the page's script has loaded: the credentials are then
    // POSTed (never put in the URL) and next-auth, missing its CSRF token, sends the person back here.
    <form method="post" action="/api/auth/callback/credentials" onSubmit={onSubmit} noValidate className="card form-card">
      <input type="hidden" name="callbackUrl" value={callbackUrl} />
      <label htmlFor="email">Email</label>
      <input id="email" name="email" type="email" autoComplete="username" required autoFocus />
      <label htmlFor="password">Password</label>
      <input id="password" name="password" type="password" autoComplete="current-password" required />
      <FormSubmit error={error} busy={busy} label="Sign in" />
    </form>
  );
}
