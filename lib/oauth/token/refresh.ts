// grant_type=refresh_token (OAuth 2.1 section 4.3, RFC 9700 section 4.14.2): every use
// rotates the token; a rotated token presented again revokes the whole grant.
//
// Parallel refresh policy (checklist 40), chosen strictly: a refresh token is good for exactly
// one request. Of two requests carrying the same token, the first to commit its rotation
// wins; the other, whether it arrived a millisecond or a day later, is a reuse: invalid_grant,
// and the grant is revoked with every token it produced, the winner's included. The server
// cannot tell a racing copy held by the legitimate client from one held by an attacker
// (RFC 9700 section 4.14.2), so it never grants a grace period; clients must serialise
// their refreshes. The rotation is a conditional update (rotatedAt IS NULL), so on both
// SQLite and PostgreSQL exactly one of any number of concurrent requests can win.
import { writeTransaction, type Tx } from "../../db";
import type { Deps } from "../../deps";
import { appendAudit } from "../../audit/append";
import { grantedDetailsOf } from "../../grants";
import type { ClientRecord } from "../clients/store";
import { OAuthError } from "../errors";
import type { MessagingDetail } from "../../authorization-details";
import { prepareAccessToken, recordAccessToken, type PreparedAccessToken } from "../tokens/access-token";
import { findRefreshToken, issueRefreshToken, type RefreshTokenRow } from "../tokens/refresh-token";
import { requireParam } from "./form";
import { revokeForSpentCredential } from "./replay";
import type { GrantContext } from "./grants";
import { lockLiveGrant, tokenResponse, type TokenResponseBody } from "./issue";
import { checkSameResource, narrowDetailsParam, narrowScope } from "./scope";

const invalidGrant = (description: string) => new OAuthError("invalid_grant", description);

class AlreadyRotated extends Error {}

function checkRefreshClient(row: RefreshTokenRow, client: ClientRecord): void {
  // RFC 6749 section 6: the token is bound to the client it was issued to (checklist 42).
  if (row.clientId !== client.id) throw invalidGrant("The refresh token is invalid.");
}

function checkNotRevoked(row: RefreshTokenRow): void {
  if (row.revokedAt) throw invalidGrant("The refresh token was revoked.");
}

/**
 * RFC 9449 section 5: a bound token needs a proof by the same key (checklist 43). Checked
 * before reuse detection, so someone holding a stolen bound token but not the key cannot
 * revoke the victim's grant with it.
 */
function checkRefreshDpop(row: RefreshTokenRow, jkt: string | undefined): void {
  if (row.dpopJkt && row.dpopJkt !== jkt) throw invalidGrant("The refresh token is bound to another DPoP key.");
}

function checkRefreshExpiry(row: RefreshTokenRow, now: Date): void {
  if (row.expiresAt <= now) throw invalidGrant("The refresh token has expired.");
}

/** A rotated token came back: it leaked, or the client raced itself. Revoke the grant. */
async function rejectReuse(deps: Deps, row: RefreshTokenRow, client: ClientRecord): Promise<never> {
  await revokeForSpentCredential(deps, client, {
    grantId: row.grantId,
    event: "refresh.reuse_detected",
    reason: "a rotated refresh token was presented again",
    revokedBecause: "refresh token reused",
    details: { refresh_token_id: row.id },
  });
  throw invalidGrant("The refresh token was already used.");
}

interface Rotation {
  row: RefreshTokenRow;
  client: ClientRecord;
  access: PreparedAccessToken;
  scope: string;
  details: MessagingDetail[];
  narrowed: boolean;
}

/** Inside the write transaction: rotate the presented token, issue its successor, record and audit. */
async function rotate(tx: Tx, deps: Deps, { row, client, access, scope, details, narrowed }: Rotation): Promise<TokenResponseBody> {
  const now = deps.now();
  // The grant's row first, then the token's: the order revokeGrant takes them in, so the
  // two never wait on each other in a cycle (PostgreSQL would abort one as a deadlock).
  const grant = await lockLiveGrant(tx, row.grantId, now);
  const rotated = await tx.refreshToken.updateMany({ where: { id: row.id, rotatedAt: null, revokedAt: null }, data: { rotatedAt: now } });
  if (rotated.count !== 1) throw new AlreadyRotated();
  // The new token keeps the old one's scope and binding (RFC 6749 section 6) and ends no later than the grant.
  const next = await issueRefreshToken(tx, deps, { grant, clientId: client.id, scope: row.scope, resource: row.resource, dpopJkt: row.dpopJkt });
  await tx.refreshToken.update({ where: { id: row.id }, data: { replacedById: next.id } });
  await recordAccessToken(tx, access);
  await appendAudit(
    tx,
    {
      type: "token.refreshed",
      outcome: "success",
      actorType: "agent",
      actorId: client.id,
      subjectUserId: grant.userId,
      clientId: client.id,
      grantId: grant.id,
      details: { jti: access.jti, token_type: access.tokenType, expires_in: access.expiresIn, narrowed },
    },
    now,
  );
  return { access_token: access.accessToken, token_type: access.tokenType, expires_in: access.expiresIn, refresh_token: next.token, scope, authorization_details: details };
}

export async function refreshTokenGrant(ctx: GrantContext): Promise<Response> {
  const { form, client, deps } = ctx;
  const now = deps.now();
  const row = await findRefreshToken(deps.db, requireParam(form, "refresh_token"));
  if (!row) throw invalidGrant("The refresh token is invalid.");
  checkRefreshClient(row, client);
  checkNotRevoked(row);
  checkRefreshDpop(row, ctx.dpop?.jkt);
  if (row.rotatedAt) return rejectReuse(deps, row, client);
  checkRefreshExpiry(row, now);
  const grant = await deps.db.grant.findUnique({ where: { id: row.grantId } });
  if (!grant) throw invalidGrant("The grant is no longer active.");
  // No widening (RFC 6749 section 6): scope within the token's, details within the grant's, same resource.
  checkSameResource(form.get("resource"), row.resource);
  const scope = narrowScope(form.get("scope"), row.scope);
  const details = narrowDetailsParam(form.get("authorization_details"), grantedDetailsOf(grant));
  const dpopJkt = ctx.dpop?.jkt ?? null;
  const access = await prepareAccessToken(deps, { grant, clientId: client.id, resource: row.resource, scope, authorizationDetails: details, dpopJkt });
  try {
    const body = await writeTransaction(deps.db, (tx) => rotate(tx, deps, { row, client, access, scope, details, narrowed: scope !== row.scope || form.has("authorization_details") }));
    return tokenResponse(body);
  } catch (err) {
    if (err instanceof AlreadyRotated) {
      const current = await findRefreshToken(deps.db, form.get("refresh_token")!);
      if (current?.revokedAt && !current.rotatedAt) throw invalidGrant("The refresh token was revoked.");
      return rejectReuse(deps, row, client);
    }
    throw err;
  }
}
