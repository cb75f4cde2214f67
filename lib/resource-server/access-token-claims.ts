// The claims of a verified access token, as the resource servers use them. Its own file so that
// the verifier and its cache (./token-cache.ts) both depend on it instead of on each other.
import type { MessagingDetail } from "../authorization-details";

/** RFC 9068 section 2.2 claims, plus RFC 9396, RFC 9449 and RFC 8693 ones this system uses. */
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
