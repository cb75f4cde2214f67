// Key and token fingerprints for DPoP (RFC 9449): the JWK SHA-256 thumbprint that binds a
// token to a key (`cnf.jkt`, RFC 7638), and the access token hash a proof carries (`ath`).
import { createHash } from "node:crypto";
import { calculateJwkThumbprint, type JWK } from "jose";

/** RFC 7638 SHA-256 thumbprint of a public JWK, base64url (the `jkt` of RFC 9449 section 6). */
export function jwkThumbprint(jwk: JWK): Promise<string> {
  return calculateJwkThumbprint(jwk, "sha256");
}

/** base64url(SHA-256(ASCII(access token))): the proof's `ath` claim (RFC 9449 section 4.2). */
export function accessTokenHash(accessToken: string): string {
  return createHash("sha256").update(accessToken, "ascii").digest("base64url");
}
