// Minting access tokens: JWTs signed by the issuer (RFC 9068), at most 15 minutes and never
// past their grant, each recorded by jti (IssuedToken) so revocation and introspection find it.
//
// Signing is split from recording: prepareAccessToken signs outside any transaction (signing
// may create or rotate a key, which takes its own write transaction: on SQLite's single
// connection a nested one would wait for ours forever), recordAccessToken writes the row
// inside the caller's transaction. A prepared token that is never recorded is never returned.
import { v7 as timeOrderedUuid } from "uuid";
import { ACCESS_TOKEN_TYP, MAX_ACCESS_TOKEN_LIFETIME_SECONDS } from "../../contracts/access-token";
import type { Tx } from "../../db";
import type { Deps } from "../../deps";
import type { MessagingDetail } from "../../authorization-details";
import { OAuthError } from "../errors";
import { signJwt } from "../keys";
import { accessTokenClaims, type ActClaim } from "./claims";

/** The parts of a grant a token depends on (null for client_credentials: no user, no grant). */
export interface TokenGrant {
  id: string;
  userId: string;
  expiresAt: Date;
}

export interface MintAccessTokenInput {
  grant: TokenGrant | null;
  clientId: string;
  resource: string;
  scope: string;
  authorizationDetails: MessagingDetail[];
  dpopJkt?: string | null;
  act?: ActClaim | null;
  /** Token exchange (RFC 8693): the subject token; the new token ends no later than it. */
  subject?: { jti: string; expiresAt: Date } | null;
}

export interface PreparedAccessToken {
  accessToken: string;
  jti: string;
  expiresIn: number;
  expiresAt: Date;
  tokenType: "DPoP" | "Bearer";
  grantId: string | null;
  clientId: string;
  subjectJti: string | null;
}

/** RFC 9068 access tokens are short-lived; the contract (lib/contracts/access-token.ts) caps them at 15 minutes. */
export const MAX_ACCESS_TOKEN_TTL_SECONDS = MAX_ACCESS_TOKEN_LIFETIME_SECONDS;

/**
 * exp = min(now + TTL, grant expiry, the subject token's expiry when exchanged); a grant or
 * subject already over yields no token.
 */
export function accessTokenExpiry(deps: Deps, grant: TokenGrant | null, notAfter?: Date): { iat: number; exp: number } {
  const iat = Math.floor(deps.now().getTime() / 1000);
  const ttl = Math.min(deps.config.accessTokenTtlSeconds, MAX_ACCESS_TOKEN_TTL_SECONDS);
  const grantEnd = grant ? Math.floor(grant.expiresAt.getTime() / 1000) : Infinity;
  const subjectEnd = notAfter ? Math.floor(notAfter.getTime() / 1000) : Infinity;
  const exp = Math.min(iat + ttl, grantEnd, subjectEnd);
  if (exp <= iat) throw new OAuthError("invalid_grant", "The grant has expired.");
  return { iat, exp };
}

export async function prepareAccessToken(deps: Deps, input: MintAccessTokenInput): Promise<PreparedAccessToken> {
  const { iat, exp } = accessTokenExpiry(deps, input.grant, input.subject?.expiresAt);
  // Time-ordered (UUIDv7: 48 bits of milliseconds, 74 random): IssuedToken rows then go in at
  // the end of the primary-key index instead of at a random leaf, which cost each issuance
  // batch about 15 % more (docs/benchmarks.md). The jti stays unique and unguessable; the time
  // it carries is the token's iat.
  const jti = timeOrderedUuid();
  const payload = accessTokenClaims({
    issuer: deps.config.issuerUrl,
    subject: input.grant?.userId ?? input.clientId,
    resource: input.resource,
    clientId: input.clientId,
    jti,
    issuedAt: iat,
    expiresAt: exp,
    scope: input.scope,
    authorizationDetails: input.authorizationDetails,
    grantId: input.grant?.id ?? null,
    dpopJkt: input.dpopJkt,
    act: input.act,
  });
  const accessToken = await signJwt(deps, { typ: ACCESS_TOKEN_TYP, payload });
  return {
    accessToken,
    jti,
    expiresIn: exp - iat,
    expiresAt: new Date(exp * 1000),
    tokenType: input.dpopJkt ? "DPoP" : "Bearer",
    grantId: input.grant?.id ?? null,
    clientId: input.clientId,
    subjectJti: input.subject?.jti ?? null,
  };
}

export async function recordAccessToken(tx: Tx, token: PreparedAccessToken): Promise<void> {
  await tx.issuedToken.create({
    data: { jti: token.jti, grantId: token.grantId, clientId: token.clientId, expiresAt: token.expiresAt, subjectJti: token.subjectJti },
  });
}

/**
 * Both steps at once, for callers already inside a transaction. Prefer prepareAccessToken
 * before the transaction and recordAccessToken inside it (see the top of this file).
 */
export async function mintAccessToken(deps: Deps, tx: Tx, input: MintAccessTokenInput): Promise<PreparedAccessToken> {
  const token = await prepareAccessToken(deps, input);
  await recordAccessToken(tx, token);
  return token;
}
