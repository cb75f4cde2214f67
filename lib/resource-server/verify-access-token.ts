// Verifies a JWT access token (RFC 9068) for one resource server. All JWT checks happen
// here, through jose, with the algorithm, issuer, audience and typ pinned (RFC 8725).
import { createHash } from "node:crypto";
import { errors, jwtVerify, type JWSHeaderParameters, type CryptoKey } from "jose";
import { AuthorizationDetailsError, parseMessagingDetails, type MessagingDetail } from "../authorization-details";
import { ACCESS_TOKEN_SIGNING_ALG, ACCESS_TOKEN_TYP, MAX_ACCESS_TOKEN_LIFETIME_SECONDS, type AccessTokenClaims } from "../contracts/access-token";
import { OAuthError } from "../oauth/errors";
import { JwksUnavailableError, UnknownKeyError } from "./jwks-cache";
import { VerifiedTokenCache } from "./token-cache";

export type { AccessTokenClaims } from "./access-token-claims";

export interface VerifyOptions {
  issuer: string;
  /** This resource server's identifier, exactly as configured (RFC 8707, RFC 9728). */
  audience: string;
  getKey: (header: JWSHeaderParameters) => Promise<CryptoKey>;
  now?: () => Date;
  /** Fast path for tokens already verified; their claims are re-checked for time only. */
  cache?: VerifiedTokenCache;
}

/** Allowed clock difference between issuer and resource server. */
export const CLOCK_SKEW_SECONDS = 30;

const invalid = (description: string) => new OAuthError("invalid_token", description);

export function tokenHash(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}

function checkTimes(claims: AccessTokenClaims, now: Date): void {
  const t = Math.floor(now.getTime() / 1000);
  if (claims.exp <= t - CLOCK_SKEW_SECONDS) throw invalid("The access token has expired.");
  if (claims.nbf !== undefined && claims.nbf > t + CLOCK_SKEW_SECONDS) throw invalid("The access token is not valid yet.");
  if (claims.iat > t + CLOCK_SKEW_SECONDS) throw invalid("The access token was issued in the future.");
}

/** The claims this system relies on, with their types checked; anything else is not our token. */
function checkShape(payload: Record<string, unknown>): AccessTokenClaims {
  const str = (k: string) => typeof payload[k] === "string" && (payload[k] as string).length > 0;
  for (const k of ["sub", "client_id", "jti", "grant_id"]) if (!str(k)) throw invalid(`The access token has no ${k}.`);
  if (typeof payload.scope !== "string") throw invalid("The access token has no scope.");
  const cnf = payload.cnf;
  if (cnf !== undefined && (typeof cnf !== "object" || cnf === null || typeof (cnf as { jkt?: unknown }).jkt !== "string")) {
    throw invalid("The access token has a malformed cnf claim.");
  }
  let details: MessagingDetail[];
  try {
    details = parseMessagingDetails(payload.authorization_details ?? [], { requireRecipients: true });
  } catch (err) {
    if (err instanceof AuthorizationDetailsError) throw invalid(`The access token has invalid authorization_details.`);
    throw err;
  }
  return { ...(payload as unknown as AccessTokenClaims), authorization_details: details };
}

export async function verifyAccessToken(token: string, options: VerifyOptions): Promise<AccessTokenClaims> {
  const now = options.now?.() ?? new Date();
  const key = options.cache ? tokenHash(token) : "";
  const cached = options.cache?.get(key);
  if (cached && cached.audienceChecked === options.audience) {
    checkTimes(cached.claims, now);
    return cached.claims;
  }
  let payload: Record<string, unknown>;
  try {
    const result = await jwtVerify(token, options.getKey, {
      algorithms: [ACCESS_TOKEN_SIGNING_ALG],
      typ: ACCESS_TOKEN_TYP, // RFC 9068 section 4: rejects ID tokens, DPoP proofs and other JWTs
      issuer: options.issuer,
      audience: options.audience,
      clockTolerance: CLOCK_SKEW_SECONDS,
      maxTokenAge: MAX_ACCESS_TOKEN_LIFETIME_SECONDS,
      requiredClaims: ["exp", "iat", "jti", "sub", "client_id"],
      currentDate: now,
    });
    payload = result.payload as Record<string, unknown>;
  } catch (err) {
    throw translateJoseError(err);
  }
  const claims = checkShape(payload);
  checkTimes(claims, now);
  options.cache?.set(key, { claims, audienceChecked: options.audience });
  return claims;
}

function translateJoseError(err: unknown): Error {
  if (err instanceof JwksUnavailableError) {
    return new OAuthError("temporarily_unavailable", "The issuer's keys cannot be loaded right now.", { status: 503 });
  }
  if (err instanceof UnknownKeyError) return invalid("The access token is signed with an unknown key.");
  if (err instanceof errors.JWTExpired) return invalid("The access token has expired.");
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === "aud") return invalid("The access token is not meant for this resource.");
    if (err.claim === "iss") return invalid("The access token comes from another issuer.");
    if (err.claim === "typ") return invalid("The token is not an access token (typ must be at+jwt).");
    if (err.claim === "nbf" || err.claim === "iat") return invalid("The access token is not valid yet.");
    return invalid(`The access token's ${err.claim} claim is invalid.`);
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return invalid(`The access token must be signed with ${ACCESS_TOKEN_SIGNING_ALG}.`);
  if (err instanceof errors.JOSEError) return invalid("The access token is malformed or its signature is invalid.");
  return err instanceof Error ? err : new Error(String(err));
}
