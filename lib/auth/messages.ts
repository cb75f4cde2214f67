// Sentences shown to people on the sign-in page, and the short codes that carry them from the
// server (next-auth passes an error code in the redirect URL). Pure: used by client components.
// Only known codes are mapped, so a crafted ?error= parameter cannot put text on the page.

/** The sentence shown to a person who is rate-limited. */
export function rateLimitMessage(retryAfterSeconds: number): string {
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  return `Too many failed sign-ins. Try again in ${minutes} ${minutes === 1 ? "minute" : "minutes"}.`;
}

export const SIGNIN_ERROR = {
  invalid: "CredentialsSignin",
  disabled: "AccountDisabled",
  rateLimitedPrefix: "RateLimited_",
} as const;

/** The code next-auth carries for a rate-limited attempt: RateLimited_<seconds>. */
export function rateLimitedCode(retryAfterSeconds: number): string {
  return `${SIGNIN_ERROR.rateLimitedPrefix}${Math.max(1, Math.ceil(retryAfterSeconds))}`;
}

export function signInErrorMessage(code: string | null | undefined): string | null {
  if (!code) return null;
  if (code === SIGNIN_ERROR.invalid) return "Wrong email or password.";
  if (code === SIGNIN_ERROR.disabled) return "This account has been disabled. Ask an administrator.";
  if (code === "SessionRequired") return "Sign in to continue.";
  const limited = new RegExp(`^${SIGNIN_ERROR.rateLimitedPrefix}(\\d{1,6})$`).exec(code);
  if (limited) return rateLimitMessage(Number(limited[1]));
  return "Sign-in failed. Please try again.";
}
