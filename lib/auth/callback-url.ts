// Where to send a person after sign-in. Only same-origin targets are honoured, so a crafted
// sign-in link cannot bounce a freshly signed-in user to another site (an open redirect,
// RFC 9700 section 4.11; OWASP Unvalidated Redirects Cheat Sheet). Pure: used by pages and
// by next-auth's redirect callback.

/** The path (with query and fragment) of a same-origin target, or "/" for anything else. */
export function safeCallbackUrl(raw: unknown, origin: string): string {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > 2048) return "/";
  // Backslashes and control characters are read as "/" or dropped by browsers: "/\evil.com".
  if (/[\\\u0000-\u001f\u007f]/.test(raw)) return "/";
  // Protocol-relative ("//evil.com") resolves to another host.
  if (raw.startsWith("//")) return "/";
  let base: URL;
  let target: URL;
  try {
    base = new URL(origin);
    target = new URL(raw, base);
  } catch {
    return "/";
  }
  if (target.origin !== base.origin) return "/";
  // Never send someone back to the sign-in or sign-up page itself after signing in.
  if (target.pathname === "/signin" || target.pathname === "/signup") return "/";
  return `${target.pathname}${target.search}${target.hash}`;
}
