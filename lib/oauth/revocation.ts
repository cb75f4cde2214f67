// Token revocation (RFC 7009) at /oauth/revoke, for authenticated clients and their own tokens.
// - A refresh token ends its whole grant (section 2.1: revoking a refresh token SHOULD also
//   invalidate the access tokens of the same grant), so every resource server sees it.
// - An access token is marked revoked by jti; introspection then reports it inactive. Its grant
//   stays: the client gave up one token, not the user's permission. Tokens exchanged for it
//   (RFC 8693, recorded with its jti as subjectJti) are revoked with it: a derived token must
//   not outlive the revocation of its source (lib/oauth/token/token-exchange.ts).
// - An unknown, expired or malformed token is answered 200 like a revoked one (section 2.2):
//   the client's goal is reached and nothing is revealed.
import { writeTransaction, type Tx } from "../db";
import type { Deps } from "../deps";
import { appendAudit } from "../audit/append";
import { revokeGrant } from "../grants";
import { announceRevocation } from "../revocation/announce";
import { withCors } from "../http/cors";
import { authenticateClient } from "./clients/authenticate";
import type { ClientRecord } from "./clients/store";
import { OAuthError, oauthErrorResponse } from "./errors";
import { readForm, requireParam } from "./token/form";
import { findRefreshToken } from "./tokens/refresh-token";
import { verifyOwnSignature } from "./tokens/verify";

export const REVOCATION_PATH = "/oauth/revoke";

const notYours = () => new OAuthError("invalid_request", "the token was not issued to this client");

async function revokeRefreshToken(deps: Deps, client: ClientRecord, token: string): Promise<boolean> {
  const row = await findRefreshToken(deps.db, token);
  if (!row) return false;
  if (row.clientId !== client.id) throw notYours();
  await writeTransaction(deps.db, (tx) => revokeGrant(tx, row.grantId, "refresh token revoked by the client (RFC 7009)", { type: "agent", id: client.id }, deps.now()));
  return true;
}

/** Revokes the tokens exchanged for `jti`, and theirs in turn; returns how many, and their jtis. */
async function revokeDerivedTokens(tx: Tx, jti: string, now: Date): Promise<{ count: number; jtis: string[] }> {
  let count = 0;
  const jtis: string[] = [];
  let frontier = [jti];
  for (let depth = 0; frontier.length && depth < 5; depth++) {
    const rows = await tx.issuedToken.findMany({ where: { subjectJti: { in: frontier } }, select: { jti: true } });
    frontier = rows.map((r) => r.jti);
    jtis.push(...frontier);
    if (frontier.length) count += (await tx.issuedToken.updateMany({ where: { jti: { in: frontier }, revokedAt: null }, data: { revokedAt: now } })).count;
  }
  return { count, jtis };
}

async function revokeAccessToken(deps: Deps, client: ClientRecord, token: string): Promise<boolean> {
  const claims = await verifyOwnSignature(deps, token);
  if (!claims?.jti) return false;
  const issued = await deps.db.issuedToken.findUnique({ where: { jti: claims.jti } });
  if (!issued) return false;
  if (issued.clientId !== client.id) throw notYours();
  const now = deps.now();
  await writeTransaction(deps.db, async (tx) => {
    const changed = await tx.issuedToken.updateMany({ where: { jti: issued.jti, revokedAt: null }, data: { revokedAt: now } });
    if (!changed.count) return;
    const { count: derived, jtis } = await revokeDerivedTokens(tx, issued.jti, now);
    await announceRevocation(tx, { kind: "tokens", jtis: [issued.jti, ...jtis] });
    await appendAudit(
      tx,
      {
        type: "token.revoked",
        outcome: "success",
        actorType: client.kind === "service" ? "service" : "agent",
        actorId: client.id,
        subjectUserId: typeof claims.sub === "string" && issued.grantId ? claims.sub : null,
        clientId: client.id,
        grantId: issued.grantId,
        reason: "access token revoked by the client (RFC 7009)",
        details: { jti: issued.jti, token_type: "access_token", ...(derived ? { exchanged_tokens_revoked: derived } : {}) },
      },
      now,
    );
  });
  return true;
}

/** Revokes `token` if it is one of the client's; the hint only decides which kind to try first. */
export async function revokeToken(deps: Deps, client: ClientRecord, token: string, hint: string | null): Promise<void> {
  const order = hint === "access_token" ? [revokeAccessToken, revokeRefreshToken] : [revokeRefreshToken, revokeAccessToken];
  for (const attempt of order) if (await attempt(deps, client, token)) return;
}

export async function handleRevocation(req: Request, deps: Deps): Promise<Response> {
  let res: Response;
  try {
    const form = await readForm(req);
    const client = await authenticateClient(req, form, deps);
    await revokeToken(deps, client, requireParam(form, "token"), form.get("token_type_hint"));
    res = new Response(null, { status: 200, headers: { "Cache-Control": "no-store", Pragma: "no-cache" } });
  } catch (err) {
    res = oauthErrorResponse(err);
  }
  return withCors(req, res);
}
