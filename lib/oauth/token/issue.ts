// Issuing the tokens of a user's grant: shared by authorization_code, CIBA and device_code.
// The access token is signed before the write transaction (see tokens/access-token.ts); the
// caller's consumption step (code or request marked used), the grant's liveness check, the
// token rows and the audit entry then commit together or not at all.
import type { Tx } from "../../db";
import { writeTransaction } from "../../db";
import type { Deps } from "../../deps";
import { appendAudit } from "../../audit/append";
import type { MessagingDetail } from "../../authorization-details";
import { getLiveGrant, grantedDetailsOf } from "../../grants";
import type { Grant } from "../../generated/sqlite/client";
import type { ClientRecord } from "../clients/store";
import { OAuthError, oauthJsonResponse } from "../errors";
import { GRANT_TYPES } from "../supported";
import { prepareAccessToken, recordAccessToken, type PreparedAccessToken } from "../tokens/access-token";
import { issueRefreshToken } from "../tokens/refresh-token";

export interface TokenResponseBody {
  access_token: string;
  token_type: "DPoP" | "Bearer";
  expires_in: number;
  refresh_token?: string;
  scope: string;
  /** RFC 9396 section 7; absent for client_credentials (no user, no details). */
  authorization_details?: MessagingDetail[];
  issued_token_type?: string;
}

export function tokenResponse(body: TokenResponseBody): Response {
  return oauthJsonResponse(body);
}

/**
 * RFC 9449 section 5: a public client's refresh tokens are bound to the DPoP key it used;
 * a confidential client's are already bound to its credentials.
 */
export function refreshBinding(client: ClientRecord, dpopJkt: string | null | undefined): string | null {
  return client.tokenEndpointAuthMethod === "none" ? (dpopJkt ?? null) : null;
}

/**
 * Locks a grant's row for the rest of the transaction (PostgreSQL; SQLite's transaction
 * already holds the database write lock) without changing it, not even updatedAt.
 *
 * Lock order: every transaction that touches a grant and its tokens takes the grant's row
 * first and the audit head last, as revokeGrant does (grant, tokens, then appendAudit).
 * Taking them in the other order could deadlock against a concurrent revocation.
 */
export async function lockGrantRow(tx: Tx, grantId: string): Promise<void> {
  await tx.$executeRaw`UPDATE "Grant" SET "status" = "status" WHERE "id" = ${grantId}`;
}

/**
 * The grant inside the transaction, locked, still active and unexpired, or `invalid_grant`.
 * With the lock, a concurrent revocation either commits first and is seen here, or waits for
 * this transaction and then revokes the tokens it created too.
 */
export async function lockLiveGrant(tx: Tx, grantId: string, now: Date): Promise<Grant> {
  await lockGrantRow(tx, grantId);
  const grant = await getLiveGrant(tx, grantId, now);
  if (!grant) throw new OAuthError("invalid_grant", "The grant is no longer active.");
  return grant;
}

export interface IssueGrantTokensInput {
  grant: Grant;
  client: ClientRecord;
  /** The verified DPoP proof's key thumbprint, when the request carried one. */
  dpopJkt?: string | null;
  /** For the audit entry: authorization_code, urn:openid:params:grant-type:ciba, ... */
  grantType: string;
  /** Runs inside the transaction, after the grant's row is locked: mark the code or request used; throw to abort. */
  consume?: (tx: Tx) => Promise<void>;
  auditDetails?: Record<string, unknown>;
}

/** Signs, records and audits an access token (plus a refresh token when the client may refresh). */
export async function issueGrantTokens(deps: Deps, input: IssueGrantTokensInput): Promise<TokenResponseBody> {
  const { grant, client } = input;
  const now = deps.now();
  const details = grantedDetailsOf(grant);
  const dpopJkt = input.dpopJkt ?? null;
  const access: PreparedAccessToken = await prepareAccessToken(deps, {
    grant,
    clientId: client.id,
    resource: grant.resource,
    scope: grant.scope,
    authorizationDetails: details,
    dpopJkt,
  });
  const withRefresh = client.grantTypes.includes(GRANT_TYPES.refreshToken);
  return writeTransaction(deps.db, async (tx) => {
    const live = await lockLiveGrant(tx, grant.id, now);
    await input.consume?.(tx);
    await recordAccessToken(tx, access);
    const refresh = withRefresh
      ? await issueRefreshToken(tx, deps, {
          grant: live,
          clientId: client.id,
          scope: grant.scope,
          resource: grant.resource,
          dpopJkt: refreshBinding(client, dpopJkt),
        })
      : null;
    await appendAudit(
      tx,
      {
        type: "token.issued",
        outcome: "success",
        actorType: "agent",
        actorId: client.id,
        subjectUserId: grant.userId,
        clientId: client.id,
        grantId: grant.id,
        details: {
          grant_type: input.grantType,
          jti: access.jti,
          token_type: access.tokenType,
          expires_in: access.expiresIn,
          refresh_token: Boolean(refresh),
          ...input.auditDetails,
        },
      },
      now,
    );
    return {
      access_token: access.accessToken,
      token_type: access.tokenType,
      expires_in: access.expiresIn,
      refresh_token: refresh?.token,
      scope: grant.scope,
      authorization_details: details,
    };
  });
}
