// The access token every grant type issues and both resource servers accept (RFC 9068), with
// the pins both sides must agree on (RFC 8725): one definition each.
import { z } from "zod";
import type { MessagingDetail } from "./authorization-details";

/** The only algorithm access tokens are signed with, and the only one a verifier accepts. */
export const ACCESS_TOKEN_SIGNING_ALG = "ES256";
/** RFC 9068 section 2.1: the JWT `typ` that tells an access token from an ID token or a DPoP proof. */
export const ACCESS_TOKEN_TYP = "at+jwt";
/** Access tokens live at most 15 minutes (ACCESS_TOKEN_TTL_SECONDS is capped at this); an older `iat` is not one of ours. */
export const MAX_ACCESS_TOKEN_LIFETIME_SECONDS = 900;

/** RFC 8693 section 4.1: the current actor, with the prior actors nested inside. */
export interface ActClaim {
  sub: string;
  client_id?: string;
  act?: ActClaim;
}

/** RFC 9068 section 2.2 claims, plus the RFC 9396, RFC 9449 and RFC 8693 ones this system uses. */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  client_id: string;
  iat: number;
  nbf?: number;
  exp: number;
  jti: string;
  scope: string;
  authorization_details: MessagingDetail[];
  grant_id: string;
  cnf?: { jkt?: string };
  act?: { sub?: string; client_id?: string; act?: unknown };
}

/** What the issuer signs: the same claims; `grant_id` is absent only for client_credentials (no user, no grant), which no resource server here accepts. */
export type IssuedAccessTokenClaims = Omit<AccessTokenClaims, "grant_id" | "act"> & { grant_id?: string; act?: ActClaim };

const nonEmpty = z.string().min(1);

/**
 * The claims a resource server relies on, with their types; anything else in the payload is
 * passed through. `authorization_details` is checked by its own parser (the issuer normalises
 * recipients), so it is left as unknown here.
 */
export const accessTokenClaimsSchema = z.looseObject({
  iss: nonEmpty,
  sub: nonEmpty,
  aud: z.union([z.string(), z.array(z.string())]),
  client_id: nonEmpty,
  iat: z.number(),
  nbf: z.number().optional(),
  exp: z.number(),
  jti: nonEmpty,
  scope: z.string(),
  grant_id: nonEmpty,
  authorization_details: z.unknown(),
  cnf: z.object({ jkt: z.string() }).optional(),
  act: z.looseObject({ sub: z.string().optional(), client_id: z.string().optional(), act: z.unknown() }).optional(),
});
