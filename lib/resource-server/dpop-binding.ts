// Sender-constrained tokens at the resource server (RFC 9449 section 7).
// - A token with cnf.jkt is usable only with the DPoP scheme and a proof signed by that key,
//   carrying `ath` (the token's hash), for this method and URL, never seen before.
// - A DPoP-bound token presented as Bearer is rejected (section 7.1): otherwise stealing the
//   token alone would be enough.
// - The DPoP scheme with an unbound token is rejected too: the client and server disagree.
import { OAuthError } from "../oauth/errors";
import type { PresentedToken } from "./extract-token";
import type { AccessTokenClaims } from "./verify-access-token";

/** The proof verifier of lib/oauth/dpop, as the resource server uses it. */
export type DpopProofVerifier = (
  proof: string,
  options: { htm: string; htu: string; accessToken: string; now: Date },
) => Promise<{ jkt: string; jti: string }>;

export async function checkDpopBinding(
  presented: PresentedToken,
  claims: AccessTokenClaims,
  request: { method: string; htu: string; now: Date },
  verifyProof: DpopProofVerifier,
): Promise<void> {
  const jkt = claims.cnf?.jkt;
  if (!jkt) {
    if (presented.scheme === "DPoP") throw new OAuthError("invalid_token", "This access token is not DPoP-bound; use the Bearer scheme.");
    return;
  }
  if (presented.scheme !== "DPoP" || !presented.dpopProof) {
    throw new OAuthError("invalid_token", "This access token is DPoP-bound; present it with the DPoP scheme and a proof.");
  }
  let proofKey: string;
  try {
    ({ jkt: proofKey } = await verifyProof(presented.dpopProof, {
      htm: request.method,
      htu: request.htu,
      accessToken: presented.token,
      now: request.now,
    }));
  } catch (err) {
    if (err instanceof OAuthError) {
      // The issuer answers 400 for a bad proof; a resource server answers 401 (RFC 9449 section 7.1).
      throw new OAuthError(err.code, err.description, { status: 401, headers: err.headers });
    }
    throw err;
  }
  if (proofKey !== jkt) throw new OAuthError("invalid_dpop_proof", "The DPoP proof is signed by another key than the token is bound to.", { status: 401 });
}
