// The consent page's anti-CSRF token: random, single-use, bound to one request (it is stored,
// hashed, on that request's row, and every page view replaces it). Together with the Origin
// check it keeps another site from deciding on the user's behalf (RFC 9700 section 4.7,
// OWASP CSRF Prevention Cheat Sheet: synchronizer token).
import { handleMatches, hashHandle, newHandle } from "../oauth/handles";

export function newConsentToken(): { token: string; hash: string } {
  const token = newHandle();
  return { token, hash: hashHandle(token) };
}

export const hashConsentToken = hashHandle;

export function consentTokenMatches(token: string | null, storedHash: string | null): boolean {
  if (!token || token.length > 100) return false;
  return handleMatches(token, storedHash);
}

/**
 * The POST must come from our own pages: Origin equal to the issuer's origin. Under
 * `Referrer-Policy: no-referrer` (which the consent page sets) browsers send `Origin: null`
 * for a form POST (Fetch standard, "serializing a request origin"), so a null or missing
 * Origin is accepted only when Fetch Metadata says same-origin; Sec-Fetch-Site is a
 * forbidden header that pages cannot set, and a sandboxed cross-site frame gets "cross-site".
 */
export function sameOrigin(req: Request, issuerUrl: string): boolean {
  const expected = new URL(issuerUrl).origin;
  const origin = req.headers.get("origin");
  if (origin !== null && origin !== "null") return origin === expected;
  return req.headers.get("sec-fetch-site") === "same-origin";
}
