// DPoP proof verification (RFC 9449 section 4.3), shared by the token endpoint and the
// resource servers. Each check is a small named function, applied in the RFC's order; any
// failure is `invalid_dpop_proof` (or `use_dpop_nonce`, section 8), HTTP 400 here. Resource
// servers turn these into 401 with a `WWW-Authenticate: DPoP` challenge (section 7.1).
import { compactVerify, decodeProtectedHeader, importJWK, type JWK, type ProtectedHeaderParameters } from "jose";
import { OAuthError } from "../errors";
import type { DpopNoncePolicy } from "./nonce";
import type { ReplayStore } from "./replay";
import { accessTokenHash, jwkThumbprint } from "./thumbprint";

/** Asymmetric algorithms accepted for proofs; published as `dpop_signing_alg_values_supported`. */
export const DPOP_SIGNING_ALGS = ["ES256", "ES384", "EdDSA", "Ed25519", "RS256", "PS256"] as const;
/** How old a proof may be (its `iat`), and how far ahead of our clock. */
export const DPOP_MAX_AGE_SECONDS = 300;
export const DPOP_MAX_FUTURE_SECONDS = 60;
const MAX_PROOF_LENGTH = 8192;

export interface DpopCheckOptions {
  /** The request's method. */
  htm: string;
  /** The request's URI as configured (never taken from the Host header). */
  htu: string;
  /** At a resource server: the access token presented with the proof (checked against `ath`). */
  accessToken?: string;
  nonce?: DpopNoncePolicy;
  now: Date;
  replay: ReplayStore;
  algs?: readonly string[];
}

export interface DpopProofResult {
  /** The JWK thumbprint of the proof's key, for `cnf.jkt`. */
  jkt: string;
  jti: string;
}

interface ProofClaims {
  jti: string;
  htm: string;
  htu: string;
  iat: number;
  ath?: unknown;
  nonce?: unknown;
}

const fail = (description: string) => new OAuthError("invalid_dpop_proof", description);

/**
 * The one DPoP header of a request, or undefined. Fetch joins repeated headers with ", ",
 * and a compact JWS contains neither, so a comma means more than one proof (section 4.3, check 1).
 */
export function readDpopHeader(req: Request): string | undefined {
  const value = req.headers.get("dpop");
  if (value === null) return undefined;
  if (value.includes(",")) throw fail("exactly one DPoP header is allowed");
  return value.trim();
}

function checkShape(proof: string): void {
  if (!proof || proof.length > MAX_PROOF_LENGTH || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(proof)) {
    throw fail("the DPoP proof is not a compact JWS");
  }
}

function readHeader(proof: string): ProtectedHeaderParameters {
  try {
    return decodeProtectedHeader(proof);
  } catch {
    throw fail("the DPoP proof header is not valid JSON");
  }
}

function checkTyp(header: ProtectedHeaderParameters): void {
  if (header.typ !== "dpop+jwt") throw fail('the DPoP proof typ must be "dpop+jwt"');
}

function checkAlg(header: ProtectedHeaderParameters, algs: readonly string[]): string {
  const alg = header.alg;
  // "none" and MAC algorithms are never acceptable: a proof must be signed by a private key.
  if (typeof alg !== "string" || !algs.includes(alg)) throw fail("the DPoP proof alg is not supported");
  return alg;
}

const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k", "priv"];

function checkPublicJwk(header: ProtectedHeaderParameters): JWK {
  const jwk = header.jwk as unknown;
  if (!jwk || typeof jwk !== "object" || Array.isArray(jwk)) throw fail("the DPoP proof header has no jwk");
  const key = jwk as JWK;
  if (key.kty === "oct") throw fail("the DPoP proof key must be asymmetric");
  if (PRIVATE_MEMBERS.some((m) => m in key)) throw fail("the DPoP proof jwk must not contain a private key");
  if (!["EC", "RSA", "OKP"].includes(String(key.kty))) throw fail("the DPoP proof jwk has an unsupported kty");
  return key;
}

async function checkSignature(proof: string, jwk: JWK, alg: string): Promise<ProofClaims> {
  let payload: Uint8Array;
  try {
    const key = await importJWK(jwk, alg);
    ({ payload } = await compactVerify(proof, key, { algorithms: [alg] }));
  } catch {
    throw fail("the DPoP proof signature is invalid");
  }
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    throw fail("the DPoP proof payload is not JSON");
  }
  if (!claims || typeof claims !== "object" || Array.isArray(claims)) throw fail("the DPoP proof payload is not an object");
  return claims as ProofClaims;
}

function checkRequiredClaims(c: ProofClaims): void {
  if (typeof c.jti !== "string" || c.jti.length < 1 || c.jti.length > 256) throw fail("the DPoP proof needs a jti");
  if (typeof c.htm !== "string") throw fail("the DPoP proof needs htm");
  if (typeof c.htu !== "string") throw fail("the DPoP proof needs htu");
  if (typeof c.iat !== "number" || !Number.isFinite(c.iat)) throw fail("the DPoP proof needs a numeric iat");
}

function checkHtm(c: ProofClaims, htm: string): void {
  if (c.htm !== htm.toUpperCase()) throw fail("the DPoP proof htm does not match the request method");
}

/** Scheme, host and path, normalized by the URL parser; query and fragment ignored (section 4.3, check 9). */
export function htuOf(uri: string): string | null {
  try {
    const u = new URL(uri);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return null;
  }
}

function checkHtu(c: ProofClaims, htu: string): void {
  const got = htuOf(c.htu);
  if (!got || got !== htuOf(htu)) throw fail("the DPoP proof htu does not match the request URI");
}

function checkIat(c: ProofClaims, now: Date): void {
  const t = now.getTime() / 1000;
  if (c.iat < t - DPOP_MAX_AGE_SECONDS) throw fail("the DPoP proof is too old");
  if (c.iat > t + DPOP_MAX_FUTURE_SECONDS) throw fail("the DPoP proof iat is in the future");
}

function checkAth(c: ProofClaims, accessToken: string | undefined): void {
  if (accessToken === undefined) return;
  if (typeof c.ath !== "string" || c.ath !== accessTokenHash(accessToken)) {
    throw fail("the DPoP proof ath does not match the access token");
  }
}

function checkNonce(c: ProofClaims, policy: DpopNoncePolicy | undefined): void {
  if (!policy) return;
  const present = c.nonce !== undefined;
  // A nonce, when sent, must be ours and fresh; when required, it must be sent (section 8).
  if ((present && (typeof c.nonce !== "string" || !policy.isValid(c.nonce))) || (!present && policy.required)) {
    throw new OAuthError("use_dpop_nonce", "Authorization server requires nonce in DPoP proof", {
      headers: { "DPoP-Nonce": policy.current() },
    });
  }
}

async function checkReplay(c: ProofClaims, jkt: string, replay: ReplayStore, now: Date): Promise<void> {
  // Remembered until no clock could accept the proof any more.
  const expiresAt = new Date((Math.max(c.iat, now.getTime() / 1000) + DPOP_MAX_AGE_SECONDS + DPOP_MAX_FUTURE_SECONDS) * 1000);
  if (!(await replay.use(`${jkt}:${c.jti}`, expiresAt, now))) throw fail("the DPoP proof was already used");
}

/** Verifies one DPoP proof; returns the key's thumbprint and the proof's jti. */
export async function verifyDpopProof(proof: string, options: DpopCheckOptions): Promise<DpopProofResult> {
  checkShape(proof);
  const header = readHeader(proof);
  checkTyp(header);
  const alg = checkAlg(header, options.algs ?? DPOP_SIGNING_ALGS);
  const jwk = checkPublicJwk(header);
  const claims = await checkSignature(proof, jwk, alg);
  checkRequiredClaims(claims);
  checkHtm(claims, options.htm);
  checkHtu(claims, options.htu);
  checkIat(claims, options.now);
  checkAth(claims, options.accessToken);
  checkNonce(claims, options.nonce);
  const jkt = await jwkThumbprint(jwk);
  await checkReplay(claims, jkt, options.replay, options.now);
  return { jkt, jti: claims.jti };
}
