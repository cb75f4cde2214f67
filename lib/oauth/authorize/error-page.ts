// The plain 400 page for authorization errors that must not redirect (the client or the
// redirect URI is not verified). Framework-free, escaped, unframeable, not cached.
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

export const PAGE_SECURITY_HEADERS: Record<string, string> = {
  "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "X-Content-Type-Options": "nosniff",
  "Cache-Control": "no-store",
};

export interface ErrorPageOptions {
  /** A stable code (RFC 6749 error codes, or AuthorizePageCode), shown for support and tests. */
  code?: string;
  /**
   * An interstitial's way back: the error redirect the user may choose to follow (RFC 9700
   * section 4.11.2). Shown with its host, so the user sees where it leads.
   */
  returnTo?: string;
}

export function authorizeErrorPage(message: string, status = 400, options: ErrorPageOptions = {}): Response {
  const code = options.code ? `\n<p>Error code: <code data-testid="error-code">${escapeHtml(options.code)}</code></p>` : "";
  const back = options.returnTo
    ? `\n<p><a href="${escapeHtml(options.returnTo)}" rel="noreferrer">Return to ${escapeHtml(new URL(options.returnTo).host || options.returnTo)}</a></p>`
    : "";
  const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Authorization error</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}h1{font-size:1.4rem}p{line-height:1.5}</style>
</head>
<body><main>
<h1>This authorization request cannot continue</h1>
<p role="alert">${escapeHtml(message)}</p>${code}
<p>Nothing was shared. You can close this page and tell the application's developer what it says.</p>${back}
</main></body>
</html>`;
  return new Response(html, { status, headers: { "Content-Type": "text/html; charset=utf-8", ...PAGE_SECURITY_HEADERS } });
}
