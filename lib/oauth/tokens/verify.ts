// Verifying the issuer's own access tokens, for introspection (RFC 7662), revocation
// (RFC 7009) and token exchange (RFC 8693 subject tokens). Same pins as any resource
// server (RFC 8725): ES256 only, our issuer, typ at+jwt, keys from our own published JWKS.
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from "jose";
import type { Deps } from "../../deps";
import { ACCESS_TOKEN_TYP } from "../../contracts/access-token";
import { SIGNING_ALG } from "../keys";
import { publicJwks } from "../keys";

export interface OwnAccessToken extends JWTPayload {
  client_id?: string;
  scope?: string;
  grant_id?: string;
  authorization_details?: unknown;
  cnf?: { jkt?: string };
  act?: unknown;
}

const looksLikeJwt = (token: string) => token.length < 16_384 && /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);

/** The claims of a valid, unexpired access token we issued, or null. */
export async function verifyOwnAccessToken(deps: Deps, token: string): Promise<OwnAccessToken | null> {
  if (!looksLikeJwt(token)) return null;
  try {
    const jwks = createLocalJWKSet(await publicJwks(deps));
    const { payload } = await jwtVerify<OwnAccessToken>(token, jwks, {
      algorithms: [SIGNING_ALG],
      issuer: deps.config.issuerUrl,
      typ: ACCESS_TOKEN_TYP,
      currentDate: deps.now(),
      requiredClaims: ["exp", "iat", "jti", "sub", "aud"],
    });
    return payload;
  } catch {
    return null;
  }
}

/**
 * The claims of an access token we signed, expired or not (revoking an expired token is a
 * harmless no-op, RFC 7009 section 2.2), or null when the signature or typ is not ours.
 */
export async function verifyOwnSignature(deps: Deps, token: string): Promise<OwnAccessToken | null> {
  if (!looksLikeJwt(token)) return null;
  try {
    if (decodeProtectedHeader(token).typ !== ACCESS_TOKEN_TYP) return null;
    const jwks = createLocalJWKSet(await publicJwks(deps));
    const { payload } = await compactVerify(token, jwks, { algorithms: [SIGNING_ALG] });
    const claims = JSON.parse(new TextDecoder().decode(payload)) as OwnAccessToken;
    return claims.iss === deps.config.issuerUrl && typeof claims.jti === "string" ? claims : null;
  } catch {
    return null;
  }
}
