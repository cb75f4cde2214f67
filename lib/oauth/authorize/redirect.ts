// Authorization responses go back to the registered redirect URI with the parameters appended
// to its query (OAuth 2.1 section 4.1.2), always with `iss` (RFC 9207) and the unchanged `state`.
// The existing query is kept byte for byte: we append, never re-serialise.
import { OAuthError, safeDescription } from "../errors";

export function redirectWith(redirectUri: string, params: Record<string, string | null | undefined>): string {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined) query.append(k, v);
  const sep = redirectUri.includes("?") ? (redirectUri.endsWith("?") || redirectUri.endsWith("&") ? "" : "&") : "?";
  return `${redirectUri}${sep}${query.toString()}`;
}

export function errorRedirectUrl(redirectUri: string, err: OAuthError, state: string | null, issuer: string): string {
  return redirectWith(redirectUri, {
    error: err.code,
    error_description: err.description ? safeDescription(err.description) : undefined,
    state,
    iss: issuer,
  });
}

/** 303 so that a POSTed form is followed with a GET (never 307, which would re-POST). */
export function seeOther(location: string): Response {
  return new Response(null, { status: 303, headers: { Location: location, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" } });
}
