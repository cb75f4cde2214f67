// PKCE at the token endpoint (RFC 7636 section 4.6; OAuth 2.1 section 4.1.3): S256 only.
import { createHash, timingSafeEqual } from "node:crypto";
import { OAuthError } from "../errors";

/** RFC 7636 section 4.1: 43 to 128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~". */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/** A malformed verifier is a malformed request (checklist 34), before anything is looked up. */
export function checkVerifierFormat(verifier: string | null): void {
  if (verifier !== null && !VERIFIER.test(verifier)) {
    throw new OAuthError("invalid_request", "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~");
  }
}

export function s256(verifier: string): string {
  return createHash("sha256").update(verifier, "ascii").digest("base64url");
}

/** The verifier must hash to the stored challenge; a code without a challenge is never redeemable. */
export function checkPkce(storedChallenge: string | null, verifier: string | null): void {
  if (!storedChallenge) throw new OAuthError("invalid_grant", "the authorization code has no PKCE challenge");
  if (verifier === null) throw new OAuthError("invalid_grant", "code_verifier is required");
  const a = Buffer.from(s256(verifier));
  const b = Buffer.from(storedChallenge);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new OAuthError("invalid_grant", "code_verifier does not match the code_challenge");
}
