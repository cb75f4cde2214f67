// Token introspection (RFC 7662) at /oauth/introspect. Callers must authenticate as a
// confidential client (section 2.1). The service client (the MCP server) may introspect any
// access token; other clients only their own tokens. Anything else, and any token that is
// not live right now (expired, revoked, its grant revoked or over), is { "active": false }
// (section 2.2), with no hint why.
import type { Deps } from "../deps";
import { getLiveGrant, grantEntryLimits } from "../grants";
import { withCors } from "../http/cors";
import { authenticateClient } from "./clients/authenticate";
import type { ClientRecord } from "./clients/store";
import { OAuthError, oauthErrorResponse, oauthJsonResponse } from "./errors";
import { readForm, requireParam } from "./token/form";
import { findRefreshToken } from "./tokens/refresh-token";
import { verifyOwnAccessToken } from "./tokens/verify";

export const INTROSPECTION_PATH = "/oauth/introspect";

const INACTIVE = { active: false } as const;
type Introspection = { active: false } | ({ active: true } & Record<string, unknown>);

async function grantIsLive(deps: Deps, grantId: string | null | undefined): Promise<boolean> {
  return !grantId || (await getLiveGrant(deps.db, grantId, deps.now())) !== null;
}

async function introspectAccessToken(deps: Deps, client: ClientRecord, token: string): Promise<Introspection | null> {
  const claims = await verifyOwnAccessToken(deps, token);
  if (!claims) return null;
  if (client.kind !== "service" && claims.client_id !== client.id) return INACTIVE;
  const issued = await deps.db.issuedToken.findUnique({ where: { jti: claims.jti! } });
  if (!issued || issued.revokedAt || !(await grantIsLive(deps, claims.grant_id))) return INACTIVE;
  // What each authorization-details entry of the grant has left (docs/mcp-clients.md,
  // "Message limits"); an extension member, which RFC 7662 section 2.2 allows.
  const limits = typeof claims.grant_id === "string" ? await grantEntryLimits(deps.db, claims.grant_id) : null;
  return {
    active: true,
    iss: claims.iss,
    sub: claims.sub,
    aud: claims.aud,
    client_id: claims.client_id,
    scope: claims.scope,
    exp: claims.exp,
    iat: claims.iat,
    nbf: claims.nbf,
    jti: claims.jti,
    token_type: claims.cnf?.jkt ? "DPoP" : "Bearer",
    cnf: claims.cnf,
    authorization_details: claims.authorization_details,
    grant_id: claims.grant_id,
    message_limits: limits ?? undefined,
    act: claims.act,
  };
}

async function introspectRefreshToken(deps: Deps, client: ClientRecord, token: string): Promise<Introspection | null> {
  const row = await findRefreshToken(deps.db, token);
  if (!row) return null;
  if (row.clientId !== client.id) return INACTIVE;
  const now = deps.now();
  if (row.revokedAt || row.rotatedAt || row.expiresAt <= now) return INACTIVE;
  const grant = await getLiveGrant(deps.db, row.grantId, now);
  if (!grant) return INACTIVE;
  return {
    active: true,
    iss: deps.config.issuerUrl,
    sub: grant.userId,
    aud: row.resource,
    client_id: row.clientId,
    scope: row.scope,
    exp: Math.floor(row.expiresAt.getTime() / 1000),
    iat: Math.floor(row.createdAt.getTime() / 1000),
    grant_id: row.grantId,
    cnf: row.dpopJkt ? { jkt: row.dpopJkt } : undefined,
  };
}

export async function introspectToken(deps: Deps, client: ClientRecord, token: string, hint: string | null): Promise<Introspection> {
  const order = hint === "refresh_token" ? [introspectRefreshToken, introspectAccessToken] : [introspectAccessToken, introspectRefreshToken];
  for (const attempt of order) {
    const result = await attempt(deps, client, token);
    if (result) return result;
  }
  return INACTIVE;
}

export async function handleIntrospection(req: Request, deps: Deps): Promise<Response> {
  let res: Response;
  try {
    const form = await readForm(req);
    const client = await authenticateClient(req, form, deps);
    if (client.tokenEndpointAuthMethod === "none") {
      throw new OAuthError("invalid_client", "introspection requires client authentication", { status: 401 });
    }
    res = oauthJsonResponse(await introspectToken(deps, client, requireParam(form, "token"), form.get("token_type_hint")));
  } catch (err) {
    res = oauthErrorResponse(err);
  }
  return withCors(req, res);
}
