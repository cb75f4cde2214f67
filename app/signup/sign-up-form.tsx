"use client";
import { signIn } from "next-auth/react";
import { useState, type FormEvent } from "react";
import { PASSWORD_MIN_LENGTH } from "@/lib/auth/password-policy";
import { signUp } from "./actions";
import { FormSubmit } from "../_components/form-submit";

export function SignUpForm({ callbackUrl }: { callbackUrl: string }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get("email") ?? "");
    const password = String(form.get("password") ?? "");
    setBusy(true);
    setError(null);
    try {
      const result = await signUp({ email, password });
      if (!result.ok) {
        setError(result.error);
        setBusy(false);
        return;
      }
      // The account exists: sign in with the same credentials, then go on.
      const signedIn = await signIn("credentials", { email, password, callbackUrl, redirect: false });
      window.location.assign(signedIn?.ok && !signedIn.error ? callbackUrl : `/signin?callbackUrl=${encodeURIComponent(callbackUrl)}`);
    } catch {
      setError("Sign-up failed. Check your connection and try again.");
      setBusy(false);
    }
  }

  return (
    // POST, so that a submit before the script has loaded never puts the password in the URL.
    <form method="post" onSubmit={onSubmit} noValidate className="card form-card">
      <label htmlFor="email">Email</label>
      <input id="email" name="email" type="email" autoComplete="email" required autoFocus />
      <label htmlFor="password">Password</label>
      <input id="password" name="password" type="password" autoComplete="new-password" minLength={PASSWORD_MIN_LENGTH} required aria-describedby="password-hint" />
      <p id="password-hint" className="muted">
        At least {PASSWORD_MIN_LENGTH} characters.
      </p>
      <FormSubmit error={error} busy={busy} label="Sign up" />
    </form>
  );
}
