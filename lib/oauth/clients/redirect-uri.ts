// Which redirect URIs a client may register (RFC 9700 section 2.1, RFC 8252 sections 7.1-7.3,
// OAuth 2.1 section 2.3.1): https anywhere; http only on a loopback IP or localhost (native
// apps, any port at request time); a private-use scheme for native apps (reverse domain name).
// Never a fragment, never javascript:/data:-style schemes, never userinfo.

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "[::1]", "localhost"]);
const DANGEROUS_SCHEMES = new Set(["javascript:", "data:", "vbscript:", "file:", "blob:", "about:"]);

export function isLoopbackRedirect(url: URL): boolean {
  return url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname);
}

/** Null when the URI may be registered, else the reason. */
export function redirectUriProblem(uri: string): string | null {
  if (typeof uri !== "string" || uri.length > 2000) return "redirect URI must be a string of at most 2000 characters";
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `redirect URI ${JSON.stringify(uri.slice(0, 80))} is not an absolute URI`;
  }
  if (url.hash || uri.includes("#")) return "redirect URI must not contain a fragment";
  if (url.username || url.password) return "redirect URI must not contain user information";
  if (DANGEROUS_SCHEMES.has(url.protocol)) return `redirect URI scheme ${url.protocol} is not allowed`;
  if (url.protocol === "https:") return null;
  if (url.protocol === "http:") return isLoopbackRedirect(url) ? null : "http redirect URIs are allowed only on loopback (127.0.0.1, [::1], localhost)";
  // Private-use scheme: RFC 8252 section 7.1 asks for a reverse domain name (contains a dot).
  return url.protocol.slice(0, -1).includes(".") ? null : "a custom redirect URI scheme must be a reverse domain name (e.g. com.example.app:/cb)";
}

/** A private-use URI scheme (RFC 8252 section 7.1): neither http nor https. */
export function isPrivateUseRedirect(uri: string): boolean {
  return URL.canParse(uri) && !["http:", "https:"].includes(new URL(uri).protocol);
}

/**
 * Exact string comparison (RFC 9700 section 4.1.3), except that a native client's loopback
 * redirect may use any port (RFC 8252 section 7.3): the port is ignored, everything else must
 * match exactly. A web client's loopback redirect must match exactly, port included
 * (OpenID Connect Dynamic Client Registration 1.0 section 2, application_type).
 */
export function redirectUriMatches(registered: string, requested: string, options: { anyLoopbackPort: boolean } = { anyLoopbackPort: true }): boolean {
  if (registered === requested) return true;
  if (!options.anyLoopbackPort) return false;
  let reg: URL, req: URL;
  try {
    reg = new URL(registered);
    req = new URL(requested);
  } catch {
    return false;
  }
  if (!isLoopbackRedirect(reg) || !isLoopbackRedirect(req)) return false;
  // Compare the strings with the port removed, so no normalisation can sneak in a difference.
  const withoutPort = (raw: string, u: URL) => raw.replace(`${u.protocol}//${u.host}`, `${u.protocol}//${u.hostname}`);
  return withoutPort(registered, reg) === withoutPort(requested, req) && reg.hostname === req.hostname;
}
