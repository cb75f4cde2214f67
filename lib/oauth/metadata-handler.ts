// GET /.well-known/oauth-authorization-server and GET /oauth/jwks: public, cacheable, CORS-open.
import type { Deps } from "../deps";
import { withCors } from "../http/cors";
import { oauthErrorResponse } from "./errors";
import { publicJwks } from "./keys";
import { authorizationServerMetadata } from "./metadata";

export function handleMetadata(req: Request, deps: Deps): Response {
  const res = Response.json(authorizationServerMetadata(deps.config), { headers: { "Cache-Control": "public, max-age=300" } });
  return withCors(req, res);
}

export async function handleJwks(req: Request, deps: Deps): Promise<Response> {
  try {
    // Short max-age: a freshly published key must reach verifiers before it signs (PUBLISH_LEAD_SECONDS).
    const res = Response.json(await publicJwks(deps), {
      headers: { "Cache-Control": "public, max-age=60", "Content-Type": "application/jwk-set+json" },
    });
    return withCors(req, res);
  } catch (err) {
    return withCors(req, oauthErrorResponse(err));
  }
}
