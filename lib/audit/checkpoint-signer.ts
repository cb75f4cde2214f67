// Who signs checkpoints of the chain head. A checkpoint must stay verifiable for as long as
// the log is kept (years), so it is not signed with the issuer's token keys: those leave the
// JWKS soon after rotation (RFC 9068 hygiene, lib/oauth/keys), after which old checkpoints
// could no longer be checked. The default signer uses one long-lived ES256 key derived from
// KEY_ENCRYPTION_KEY (HKDF, RFC 5869), so every process (web app and MCP server instances)
// signs with the same key without storing it, and a database writer without the
// configuration cannot forge a checkpoint. Swap in another signer (an HSM, KMS) through the
// interface.
import { createECDH, hkdfSync } from "node:crypto";
import { calculateJwkThumbprint, importJWK, jwtVerify, SignJWT, type CryptoKey, type JWK } from "jose";

export interface CheckpointPayload {
  seq: number;
  head_hash: string;
  iat: number;
}

export interface CheckpointSigner {
  sign(payload: CheckpointPayload): Promise<string>;
  /** Checks the signature and shape; throws when either is wrong. */
  verify(jws: string): Promise<CheckpointPayload>;
  /** The public key, published beside the checkpoints so anyone can check them. */
  publicJwk(): Promise<JWK>;
}

export const CHECKPOINT_TYP = "audit-checkpoint+jwt";
const ALG = "ES256";
// The order of the P-256 group (FIPS 186-4, D.1.2.3).
const P256_N = BigInt("0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");

/** A P-256 private scalar from the key-encryption key: 48 bytes of HKDF reduced into [1, n-1] (FIPS 186-4, B.4.1). */
function derivePrivateScalar(keyEncryptionKey: string): Buffer {
  const ikm = Buffer.from(keyEncryptionKey, "base64url");
  const okm = Buffer.from(hkdfSync("sha256", ikm, "agent-grants", "audit checkpoint signing key v1 (ES256)", 48));
  const c = BigInt(`0x${okm.toString("hex")}`);
  const d = (c % (P256_N - 1n)) + 1n;
  return Buffer.from(d.toString(16).padStart(64, "0"), "hex");
}

function derivedJwk(keyEncryptionKey: string): JWK {
  const d = derivePrivateScalar(keyEncryptionKey);
  const ecdh = createECDH("prime256v1");
  ecdh.setPrivateKey(d);
  const point = ecdh.getPublicKey(); // 0x04 || X || Y
  return {
    kty: "EC",
    crv: "P-256",
    x: point.subarray(1, 33).toString("base64url"),
    y: point.subarray(33, 65).toString("base64url"),
    d: d.toString("base64url"),
  };
}

function checkPayload(p: Record<string, unknown>): CheckpointPayload {
  const { seq, head_hash, iat } = p;
  if (!Number.isInteger(seq) || (seq as number) < 0) throw new Error("checkpoint seq is not a non-negative integer");
  if (typeof head_hash !== "string" || !/^[0-9a-f]{64}$/.test(head_hash)) throw new Error("checkpoint head_hash is not a SHA-256 hex digest");
  if (!Number.isInteger(iat)) throw new Error("checkpoint iat is not an integer");
  return { seq: seq as number, head_hash, iat: iat as number };
}

export function derivedCheckpointSigner(keyEncryptionKey: string): CheckpointSigner {
  const jwk = derivedJwk(keyEncryptionKey);
  const { d: _private, ...pub } = jwk;
  const ready = (async () => {
    const kid = await calculateJwkThumbprint(pub, "sha256");
    return {
      kid,
      publicJwk: { ...pub, kid, alg: ALG, use: "sig" } as JWK,
      privateKey: (await importJWK(jwk, ALG)) as CryptoKey,
      publicKey: (await importJWK(pub, ALG)) as CryptoKey,
    };
  })();
  return {
    async sign(payload) {
      const { kid, privateKey } = await ready;
      return new SignJWT({ ...payload }).setProtectedHeader({ alg: ALG, kid, typ: CHECKPOINT_TYP }).sign(privateKey);
    },
    async verify(jws) {
      const { publicKey } = await ready;
      // No exp: a checkpoint is a statement about the past and never expires.
      const { payload } = await jwtVerify(jws, publicKey, { algorithms: [ALG], typ: CHECKPOINT_TYP });
      return checkPayload(payload as Record<string, unknown>);
    },
    async publicJwk() {
      return (await ready).publicJwk;
    },
  };
}
