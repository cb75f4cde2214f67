// CORS for the endpoints a browser-based client calls directly: metadata, JWKS, registration,
// token, revocation, introspection (checklist 3). They authenticate by what is in the request,
// never by cookies, so any origin may call them and credentials are never allowed. The
// authorization endpoint and the consent page send no CORS headers: they are navigations.
const ALLOWED_HEADERS = "Authorization, Content-Type, DPoP, Accept";
const EXPOSED_HEADERS = "WWW-Authenticate, DPoP-Nonce, Retry-After";

/** Headers for an actual (non-preflight) response. Empty when the request is not cross-origin. */
export function corsHeaders(req: Request): Record<string, string> {
  if (!req.headers.get("origin")) return {};
  return {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": EXPOSED_HEADERS,
  };
}

/** The answer to an OPTIONS preflight (Fetch standard, CORS protocol). */
export function preflight(req: Request): Response {
  void req;
  return new Response(null, {
    status: 204,
    headers: {
      "Access-Control-Allow-Origin": "*",
      "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
      "Access-Control-Allow-Headers": ALLOWED_HEADERS,
      "Access-Control-Max-Age": "600",
      Vary: "Origin",
    },
  });
}

/** Adds CORS headers to a finished response (handlers build responses first, then decorate). */
export function withCors(req: Request, res: Response): Response {
  const headers = corsHeaders(req);
  for (const [k, v] of Object.entries(headers)) res.headers.set(k, v);
  return res;
}
