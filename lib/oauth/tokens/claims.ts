// The access token contract (RFC 9068 section 2.2; docs/architecture.md): one function builds the claims
// every grant type issues, so authorization_code, refresh, CIBA, device and token exchange
// tokens are alike and resource servers verify one shape.
import type { MessagingDetail } from "../../authorization-details";
import type { ActClaim, IssuedAccessTokenClaims } from "../../contracts/access-token";

export type { ActClaim } from "../../contracts/access-token";

export interface AccessTokenClaimsInput {
  issuer: string;
  /** The user, or the client itself for client_credentials. */
  subject: string;
  /** The resource (RFC 8707) the token is for: its only audience. */
  resource: string;
  clientId: string;
  jti: string;
  issuedAt: number;
  expiresAt: number;
  scope: string;
  authorizationDetails: MessagingDetail[];
  grantId: string | null;
  dpopJkt?: string | null;
  act?: ActClaim | null;
}

export function accessTokenClaims(input: AccessTokenClaimsInput): IssuedAccessTokenClaims {
  const claims: IssuedAccessTokenClaims = {
    iss: input.issuer,
    sub: input.subject,
    aud: input.resource,
    client_id: input.clientId,
    iat: input.issuedAt,
    nbf: input.issuedAt,
    exp: input.expiresAt,
    jti: input.jti,
    scope: input.scope,
    authorization_details: input.authorizationDetails,
  };
  if (input.grantId) claims.grant_id = input.grantId;
  // RFC 9449 section 6.1: a DPoP-bound token names its key's thumbprint.
  if (input.dpopJkt) claims.cnf = { jkt: input.dpopJkt };
  if (input.act) claims.act = input.act;
  return claims;
}

/**
 * How many token exchanges stand behind a token (RFC 8693 section 4.1). The exchange here
 * nests the prior party: one exchange yields { sub: service, act: { sub: agent } } (two
 * levels), each further one adds a level. A foreign single-level `act` still counts as one.
 */
export function delegationDepth(act: unknown): number {
  let levels = 0;
  let node = act;
  while (node && typeof node === "object" && levels <= 32) {
    levels++;
    node = (node as { act?: unknown }).act;
  }
  return levels === 0 ? 0 : Math.max(1, levels - 1);
}
