// Where a resource server accepts an access token: the Authorization header only.
// RFC 9700 section 2.5 / OAuth 2.1 section 5.1: never in the query string (it leaks into logs,
// history and Referer). RFC 6750 section 2: exactly one method per request.
import { OAuthError } from "../oauth/errors";

export interface PresentedToken {
  scheme: "Bearer" | "DPoP";
  token: string;
  /** The DPoP proof header, when one was sent. */
  dpopProof?: string;
}

/** RFC 6750 section 2.1 b64token. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Returns null when no credentials were presented at all (RFC 6750 section 3.1: no error code then). */
export function extractToken(req: Request): PresentedToken | null {
  const url = new URL(req.url);
  if (url.searchParams.has("access_token")) {
    throw new OAuthError("invalid_request", "Send the access token in the Authorization header, never in the URL.", { status: 401 });
  }
  const header = req.headers.get("authorization");
  const dpop = req.headers.get("dpop");
  // Headers.get joins repeated headers with ", "; a second DPoP proof would show up that way.
  if (dpop !== null && dpop.includes(",")) throw new OAuthError("invalid_dpop_proof", "Send exactly one DPoP proof.", { status: 401 });
  if (header === null || header.trim() === "") {
    return null;
  }
  const [, rawScheme, token] = /^(\S+) +(\S+)$/.exec(header.trim()) ?? [];
  if (rawScheme === undefined || token === undefined) throw new OAuthError("invalid_request", "The Authorization header is malformed.", { status: 401 });
  const scheme = rawScheme.toLowerCase() === "bearer" ? "Bearer" : rawScheme.toLowerCase() === "dpop" ? "DPoP" : null;
  if (!scheme) throw new OAuthError("invalid_request", "Use the Bearer or DPoP authorization scheme.", { status: 401 });
  if (!B64TOKEN.test(token)) throw new OAuthError("invalid_token", "The access token is malformed.");
  if (scheme === "DPoP" && !dpop) throw new OAuthError("invalid_dpop_proof", "A DPoP-bound token needs a DPoP proof header.", { status: 401 });
  return { scheme, token, dpopProof: dpop ?? undefined };
}
