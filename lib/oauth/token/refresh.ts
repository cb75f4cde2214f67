// grant_type=refresh_token (OAuth 2.1 section 4.3, RFC 9700 section 4.14.2): every use
// rotates the token; a rotated token presented again is reuse, and reuse revokes the grant.
//
// Policy (checklist 39, 40; README, "Refresh tokens"). A refresh token is rotated by exactly
// one request: a conditional update (rotatedAt IS NULL) under the grant's row lock, so on
// SQLite and PostgreSQL alike exactly one of any number of concurrent requests rotates it.
// The other requests carrying the same token, and a retry after a lost response, fall under
// the reuse leeway (refresh-leeway.ts): inside REFRESH_REUSE_LEEWAY_SECONDS, from the same
// client authenticated the same way, with the same DPoP key for a bound token, while the
// successor is unused, they get the same successor back (and a fresh access token for the
// same grant), never a second live refresh token. Any other reuse is the theft signal of RFC
// 9700 section 4.14.2: invalid_grant, and the grant is revoked with every token it produced.
// A token presented by another client or key is refused without revoking (refresh-presenter.ts).
import { writeTransaction, type Tx } from "../../db";
import type { Deps } from "../../deps";
import { appendAudit } from "../../audit/append";
import { grantedDetailsOf } from "../../grants";
import type { ClientRecord } from "../clients/store";
import { OAuthError } from "../errors";
import type { MessagingDetail } from "../../authorization-details";
import { prepareAccessToken, recordAccessToken, type PreparedAccessToken } from "../tokens/access-token";
import { findRefreshToken, issueRefreshToken, sealSuccessor, type RefreshTokenRow } from "../tokens/refresh-token";
import { requireParam } from "./form";
import { revokeForSpentCredential } from "./replay";
import type { GrantContext } from "./grant-context";
import { lockLiveGrant, tokenResponse, type TokenResponseBody } from "./issue";
import { leewayReplay } from "./refresh-leeway";
import { checkRefreshPresenter } from "./refresh-presenter";
import { checkSameResource, narrowDetailsParam, narrowScope } from "./scope";

const invalidGrant = (description: string) => new OAuthError("invalid_grant", description);

function checkNotRevoked(row: { revokedAt: Date | null }): void {
  if (row.revokedAt) throw invalidGrant("The refresh token was revoked.");
}

function checkRefreshExpiry(row: RefreshTokenRow, now: Date): void {
  if (row.expiresAt <= now) throw invalidGrant("The refresh token has expired.");
}

/** A rotated token came back outside the leeway: it leaked, or the client lost track. Revoke the grant. */
async function rejectReuse(deps: Deps, row: RefreshTokenRow, client: ClientRecord, reason: string): Promise<never> {
  await revokeForSpentCredential(deps, client, {
    grantId: row.grantId,
    event: "token.refresh_reuse_detected",
    reason,
    revokedBecause: "refresh token reused",
    details: { refresh_token_id: row.id },
  });
  throw invalidGrant("The refresh token was already used.");
}

interface Exchange {
  row: RefreshTokenRow;
  client: ClientRecord;
  access: PreparedAccessToken;
  scope: string;
  details: MessagingDetail[];
  narrowed: boolean;
}

type Outcome = { body: TokenResponseBody } | { reuse: string };

function body(e: Exchange, refreshToken: string): TokenResponseBody {
  const { access } = e;
  return { access_token: access.accessToken, token_type: access.tokenType, expires_in: access.expiresIn, refresh_token: refreshToken, scope: e.scope, authorization_details: e.details };
}

/** Rotates the presented token: issue its successor, sealed on the old row for the leeway. */
async function rotate(tx: Tx, deps: Deps, e: Exchange, grant: { id: string; userId: string; expiresAt: Date }, now: Date): Promise<Outcome> {
  const { row, client, access } = e;
  // The new token keeps the old one's scope and binding (RFC 6749 section 6) and ends no later than the grant.
  const next = await issueRefreshToken(tx, deps, { grant, clientId: client.id, scope: row.scope, resource: row.resource, dpopJkt: row.dpopJkt });
  const sealed = deps.config.refreshReuseLeewaySeconds > 0 ? sealSuccessor(deps, row.id, next.token) : null;
  const rotated = await tx.refreshToken.updateMany({
    where: { id: row.id, rotatedAt: null, revokedAt: null },
    data: { rotatedAt: now, replacedById: next.id, successorSealed: sealed, rotatedAuthMethod: client.tokenEndpointAuthMethod },
  });
  if (rotated.count !== 1) throw invalidGrant("The refresh token was revoked.");
  // The presented token was itself a successor, now used: its predecessor's leeway is over.
  await tx.refreshToken.updateMany({ where: { grantId: row.grantId, replacedById: row.id }, data: { successorSealed: null } });
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
      details: { jti: access.jti, token_type: access.tokenType, expires_in: access.expiresIn, narrowed: e.narrowed },
    },
    now,
  );
  return { body: body(e, next.token) };
}

/**
 * Inside the write transaction, with the grant's row locked (so concurrent requests for one
 * grant take turns): rotate a live token, or decide a rotated one's fate by the leeway.
 */
async function exchange(tx: Tx, deps: Deps, e: Exchange): Promise<Outcome> {
  const now = deps.now();
  // The grant's row first, then the tokens': the order revokeGrant takes them in, so the
  // two never wait on each other in a cycle (PostgreSQL would abort one as a deadlock).
  const grant = await lockLiveGrant(tx, e.row.grantId, now);
  const current = await tx.refreshToken.findUnique({ where: { id: e.row.id } });
  if (!current) throw invalidGrant("The refresh token is invalid.");
  checkNotRevoked(current);
  if (!current.rotatedAt) return rotate(tx, deps, e, grant, now);
  const decision = await leewayReplay(tx, deps, { ...current, rotatedAt: current.rotatedAt }, e.client, now);
  if (!decision.replay) return { reuse: decision.reason };
  await recordAccessToken(tx, e.access);
  await appendAudit(
    tx,
    {
      type: "token.refresh_replayed_within_leeway",
      outcome: "info",
      actorType: "agent",
      actorId: e.client.id,
      subjectUserId: grant.userId,
      clientId: e.client.id,
      grantId: grant.id,
      reason: "a rotated refresh token was presented again within the reuse leeway; its unused successor was returned",
      details: {
        refresh_token_id: current.id,
        successor_id: decision.successor.id,
        seconds_since_rotation: decision.secondsSinceRotation,
        leeway_seconds: deps.config.refreshReuseLeewaySeconds,
        jti: e.access.jti,
        token_type: e.access.tokenType,
        expires_in: e.access.expiresIn,
      },
    },
    now,
  );
  return { body: body(e, decision.successor.token) };
}

export async function refreshTokenGrant(ctx: GrantContext): Promise<Response> {
  const { form, client, deps } = ctx;
  const now = deps.now();
  const row = await findRefreshToken(deps.db, requireParam(form, "refresh_token"));
  if (!row) throw invalidGrant("The refresh token is invalid.");
  // Before anything that could revoke: a stolen token without the client or key revokes nothing.
  await checkRefreshPresenter(deps, row, client, ctx.dpop?.jkt);
  checkNotRevoked(row);
  // A rotated token's own expiry does not matter: the leeway looks at its successor.
  if (!row.rotatedAt) checkRefreshExpiry(row, now);
  const grant = await deps.db.grant.findUnique({ where: { id: row.grantId } });
  if (!grant) throw invalidGrant("The grant is no longer active.");
  // No widening (RFC 6749 section 6): scope within the token's, details within the grant's, same resource.
  checkSameResource(form.get("resource"), row.resource);
  const scope = narrowScope(form.get("scope"), row.scope);
  const details = narrowDetailsParam(form.get("authorization_details"), grantedDetailsOf(grant));
  const dpopJkt = ctx.dpop?.jkt ?? null;
  const access = await prepareAccessToken(deps, { grant, clientId: client.id, resource: row.resource, scope, authorizationDetails: details, dpopJkt });
  const narrowed = scope !== row.scope || form.has("authorization_details");
  const outcome = await writeTransaction(deps.db, (tx) => exchange(tx, deps, { row, client, access, scope, details, narrowed }));
  if ("reuse" in outcome) return rejectReuse(deps, row, client, outcome.reuse);
  return tokenResponse(outcome.body);
}
