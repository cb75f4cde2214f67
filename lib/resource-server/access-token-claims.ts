// The claims of a verified access token, as the resource servers use them (lib/contracts is the
// one definition). Its own file so that the verifier and its cache (./token-cache.ts) both depend
// on it instead of on each other.
export type { AccessTokenClaims } from "../contracts/access-token";
