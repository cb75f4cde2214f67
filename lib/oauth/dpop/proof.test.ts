import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { OAuthError } from "../errors";
import { hmacNoncePolicy } from "./nonce";
import { readDpopHeader, verifyDpopProof } from "./proof";
import { memoryReplayStore } from "./replay";
import { accessTokenHash, jwkThumbprint } from "./thumbprint";

const HTU = "https://issuer.example/oauth/token";
const NOW = new Date("2026-11-22T10:00:00Z");
const nowSec = NOW.getTime() / 1000;

let privateKey: CryptoKey;
let publicJwk: JWK;
let privateJwk: JWK;

beforeAll(async () => {
  const pair = await generateKeyPair("ES256", { extractable: true });
  privateKey = pair.privateKey;
  publicJwk = await exportJWK(pair.publicKey);
  privateJwk = await exportJWK(pair.privateKey);
});

interface ProofOptions {
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  omit?: string[];
  key?: CryptoKey;
}

async function proof({ header = {}, claims = {}, omit = [], key = privateKey }: ProofOptions = {}): Promise<string> {
  const payload: Record<string, unknown> = { jti: crypto.randomUUID(), htm: "POST", htu: HTU, iat: nowSec, ...claims };
  for (const k of omit) delete payload[k];
  return new SignJWT(payload).setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk: publicJwk, ...header } as never).sign(key);
}

const verify = (p: string, extra: Partial<Parameters<typeof verifyDpopProof>[1]> = {}) =>
  verifyDpopProof(p, { htm: "POST", htu: HTU, now: NOW, replay: memoryReplayStore(), ...extra });

async function rejection(p: Promise<unknown>): Promise<OAuthError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OAuthError);
  return err as OAuthError;
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");

describe("DPoP proof verification (RFC 9449 section 4.3)", () => {
  it("accepts a well-formed proof and returns the key's RFC 7638 thumbprint", async () => {
    const result = await verify(await proof());
    expect(result.jkt).toBe(await jwkThumbprint(publicJwk));
  });

  it("rejects a typ other than dpop+jwt (checklist 45)", async () => {
    for (const typ of ["jwt", "at+jwt", undefined]) {
      const err = await rejection(verify(await proof({ header: { typ } })));
      expect(err.code).toBe("invalid_dpop_proof");
      expect(err.status).toBe(400);
    }
  });

  it("rejects alg none and HMAC proofs (checklist 45)", async () => {
    const none = `${b64({ alg: "none", typ: "dpop+jwt", jwk: publicJwk })}.${b64({ jti: "a", htm: "POST", htu: HTU, iat: nowSec })}.`;
    expect((await rejection(verify(none))).code).toBe("invalid_dpop_proof");
    const secret = new TextEncoder().encode("0123456789abcdef0123456789abcdef");
    const hs = await new SignJWT({ jti: "b", htm: "POST", htu: HTU, iat: nowSec })
      .setProtectedHeader({ alg: "HS256", typ: "dpop+jwt", jwk: { kty: "oct", k: "abc" } } as never)
      .sign(secret);
    expect((await rejection(verify(hs))).code).toBe("invalid_dpop_proof");
  });

  it("rejects an algorithm that is not advertised (checklist 45)", async () => {
    const pair = await generateKeyPair("ES512", { extractable: true });
    const jwk = await exportJWK(pair.publicKey);
    const p = await new SignJWT({ jti: "c", htm: "POST", htu: HTU, iat: nowSec })
      .setProtectedHeader({ alg: "ES512", typ: "dpop+jwt", jwk })
      .sign(pair.privateKey);
    expect((await rejection(verify(p))).description).toMatch(/alg/);
  });

  it("rejects a private key in the jwk header (checklist 46)", async () => {
    const err = await rejection(verify(await proof({ header: { jwk: privateJwk } })));
    expect(err.description).toMatch(/private/);
  });

  it("rejects a symmetric key in the jwk header (checklist 46)", async () => {
    const err = await rejection(verify(await proof({ header: { jwk: { kty: "oct", k: "c2VjcmV0" } } })));
    expect(err.code).toBe("invalid_dpop_proof");
  });

  it("rejects a bad signature (checklist 46)", async () => {
    const other = await generateKeyPair("ES256");
    const err = await rejection(verify(await proof({ key: other.privateKey })));
    expect(err.description).toMatch(/signature/);
    const good = await proof();
    const tampered = good.replace(/\.([^.]+)\./, (_m, p: string) => `.${b64({ ...JSON.parse(Buffer.from(p, "base64url").toString()), htm: "GET" })}.`);
    expect((await rejection(verify(tampered, { htm: "GET" }))).description).toMatch(/signature/);
  });

  it("rejects a proof without a header jwk", async () => {
    expect((await rejection(verify(await proof({ header: { jwk: undefined } })))).description).toMatch(/jwk/);
  });

  for (const claim of ["jti", "htm", "htu", "iat"]) {
    it(`rejects a proof without ${claim} (checklist 47)`, async () => {
      const err = await rejection(verify(await proof({ omit: [claim] })));
      expect(err.code).toBe("invalid_dpop_proof");
      expect(err.description).toContain(claim);
    });
  }

  it("rejects an htm that differs from the request method (checklist 48)", async () => {
    expect((await rejection(verify(await proof({ claims: { htm: "GET" } })))).description).toMatch(/htm/);
  });

  it("rejects an htu for another URI (checklist 48)", async () => {
    for (const htu of ["https://issuer.example/oauth/revoke", "https://other.example/oauth/token", "http://issuer.example/oauth/token", "not a url"]) {
      expect((await rejection(verify(await proof({ claims: { htu } })))).description).toMatch(/htu/);
    }
  });

  it("accepts an htu with a query or fragment, and the normalized forms of the same URI (checklist 48)", async () => {
    for (const htu of [`${HTU}?x=1`, `${HTU}#frag`, "https://ISSUER.example:443/oauth/token"]) {
      await expect(verify(await proof({ claims: { htu } }))).resolves.toHaveProperty("jkt");
    }
  });

  it("rejects an iat 301 s off and accepts one 10 s off (checklist 49)", async () => {
    expect((await rejection(verify(await proof({ claims: { iat: nowSec - 301 } })))).description).toMatch(/old/);
    expect((await rejection(verify(await proof({ claims: { iat: nowSec + 301 } })))).description).toMatch(/future/);
    await expect(verify(await proof({ claims: { iat: nowSec - 10 } }))).resolves.toHaveProperty("jkt");
    await expect(verify(await proof({ claims: { iat: nowSec + 10 } }))).resolves.toHaveProperty("jkt");
  });

  it("rejects a replayed jti (checklist 50)", async () => {
    const replay = memoryReplayStore();
    const p = await proof();
    await verify(p, { replay });
    expect((await rejection(verify(p, { replay }))).description).toMatch(/already used/);
  });

  it("rejects two DPoP headers (checklist 51)", async () => {
    const a = await proof();
    const b = await proof();
    const headers = new Headers();
    headers.append("DPoP", a);
    headers.append("DPoP", b);
    const req = new Request(HTU, { method: "POST", headers });
    expect(() => readDpopHeader(req)).toThrow(OAuthError);
    expect(readDpopHeader(new Request(HTU, { method: "POST", headers: { DPoP: a } }))).toBe(a);
    expect(readDpopHeader(new Request(HTU, { method: "POST" }))).toBeUndefined();
  });

  it("checks ath against the presented access token at a resource server", async () => {
    const token = "eyJhbGciOiJFUzI1NiJ9.e30.sig";
    await expect(verify(await proof({ claims: { ath: accessTokenHash(token) } }), { accessToken: token })).resolves.toHaveProperty("jkt");
    expect((await rejection(verify(await proof({ claims: { ath: accessTokenHash("other") } }), { accessToken: token }))).description).toMatch(/ath/);
    expect((await rejection(verify(await proof(), { accessToken: token }))).description).toMatch(/ath/);
  });

  describe("server nonces (checklist 52)", () => {
    const policy = (required: boolean, now = NOW) => hmacNoncePolicy({ secret: "s".repeat(32), audience: HTU, required, now: () => now });

    it("asks for a nonce with use_dpop_nonce and a DPoP-Nonce header when one is required and missing", async () => {
      const err = await rejection(verify(await proof(), { nonce: policy(true) }));
      expect(err.code).toBe("use_dpop_nonce");
      expect(err.status).toBe(400);
      expect(policy(true).isValid(err.headers["DPoP-Nonce"] ?? "")).toBe(true);
    });

    it("accepts a proof carrying the nonce the server handed out", async () => {
      const nonce = policy(true).current();
      await expect(verify(await proof({ claims: { nonce } }), { nonce: policy(true) })).resolves.toHaveProperty("jkt");
    });

    it("rejects a stale or forged nonce even when nonces are optional", async () => {
      const stale = policy(false, new Date(NOW.getTime() - 11 * 60_000)).current();
      const err = await rejection(verify(await proof({ claims: { nonce: stale } }), { nonce: policy(false) }));
      expect(err.code).toBe("use_dpop_nonce");
      expect((await rejection(verify(await proof({ claims: { nonce: "0.forgedforgedforgedforgedforgedfo" } }), { nonce: policy(false) }))).code).toBe("use_dpop_nonce");
      const otherAudience = hmacNoncePolicy({ secret: "s".repeat(32), audience: "https://rs.example/mcp", required: true, now: () => NOW }).current();
      expect((await rejection(verify(await proof({ claims: { nonce: otherAudience } }), { nonce: policy(true) }))).code).toBe("use_dpop_nonce");
    });

    it("accepts a nonce from the previous window", async () => {
      const previous = policy(true, new Date(NOW.getTime() - 5 * 60_000)).current();
      await expect(verify(await proof({ claims: { nonce: previous } }), { nonce: policy(true) })).resolves.toHaveProperty("jkt");
    });

    it("does not burn the jti of a proof refused for its nonce, so the client can retry", async () => {
      const replay = memoryReplayStore();
      const p = await proof();
      await rejection(verify(p, { nonce: policy(true), replay }));
      await expect(verify(p, { replay })).resolves.toHaveProperty("jkt");
    });
  });
});
