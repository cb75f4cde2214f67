import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { base64url, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { accessTokenHash, jwkThumbprint, memoryReplayStore, verifyDpopProof } from "../oauth/dpop";
import { ResourceServer } from "./authenticate";
import { JwksCache } from "./jwks-cache";
import { startTestIssuer, type TestIssuer } from "./test-issuer";

const RESOURCE = "http://localhost:3001/mcp";
const now = () => Math.floor(Date.now() / 1000);

async function dpopKey() {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await jwkThumbprint(jwk) };
}

async function proof(key: { privateKey: CryptoKey; jwk: JWK }, token: string, claims: Record<string, unknown> = {}) {
  return new SignJWT({ jti: randomUUID(), htm: "POST", htu: RESOURCE, iat: now(), ath: accessTokenHash(token), ...claims })
    .setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk: key.jwk })
    .sign(key.privateKey);
}

function request(headers: Record<string, string> = {}, url = RESOURCE): Request {
  return new Request(url, { method: "POST", headers });
}

describe("the resource server's token checks", () => {
  let issuer: TestIssuer;
  let rs: ResourceServer;
  let jwks: JwksCache;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    jwks = new JwksCache({ issuer: issuer.issuer, cooldownMs: 60_000 });
    const replay = memoryReplayStore();
    rs = new ResourceServer({
      issuer: issuer.issuer,
      resource: RESOURCE,
      scopes: ["messages:send", "messages:read"],
      getKey: jwks.getKey,
      verifyDpopProof: (p, o) => verifyDpopProof(p, { ...o, replay }),
    });
  });
  afterAll(() => issuer.close());

  const auth = (token: string, scheme = "Bearer", extra: Record<string, string> = {}) => rs.authenticate(request({ authorization: `${scheme} ${token}`, ...extra }), RESOURCE);
  const rejects = async (p: Promise<unknown>, description?: RegExp) => {
    const err = await p.then(() => null, (e: unknown) => e);
    expect(err, "expected a rejection").not.toBeNull();
    const res = rs.errorResponse(err);
    expect(res.status).toBe(401);
    const challenge = res.headers.get("www-authenticate") ?? "";
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain(`resource_metadata="http://localhost:3001/.well-known/oauth-protected-resource/mcp"`);
    if (description) expect((await res.json()).error_description).toMatch(description);
    return challenge;
  };

  it("accepts a valid token and returns its claims", async () => {
    const result = await auth(await issuer.mint());
    expect(result.claims.grant_id).toBe("grant-1");
    expect(result.scopes).toEqual(["messages:send", "messages:read"]);
    expect(result.claims.authorization_details[0].recipients).toEqual(["+15550100123"]);
  });

  it("answers a request without a token with 401, resource_metadata and scope, and no error code (RFC 6750 section 3.1)", async () => {
    const challenge = await rejects(rs.authenticate(request(), RESOURCE));
    expect(challenge).toContain(`scope="messages:send messages:read"`);
    expect(challenge.split("DPoP")[0]).not.toContain("error=");
  });

  it("rejects a token for another audience with invalid_token", async () => {
    const challenge = await rejects(auth(await issuer.mint({ aud: "http://localhost:3000/api/messages" })), /not meant for this resource/);
    expect(challenge).toContain(`error="invalid_token"`);
  });

  it("rejects an expired token, and accepts one expired less than 30 s ago (clock skew)", async () => {
    await rejects(auth(await issuer.mint({ iat: now() - 700, nbf: now() - 700, exp: now() - 31 })), /expired/);
    await expect(auth(await issuer.mint({ iat: now() - 700, nbf: now() - 700, exp: now() - 10 }))).resolves.toBeTruthy();
  });

  it("rejects nbf or iat more than 30 s in the future", async () => {
    await rejects(auth(await issuer.mint({ nbf: now() + 31 })));
    await rejects(auth(await issuer.mint({ iat: now() + 31, nbf: now() })));
    await expect(auth(await issuer.mint({ iat: now() + 10, nbf: now() + 10 }))).resolves.toBeTruthy();
  });

  it("rejects alg none and HS256 keyed with the public key", async () => {
    const good = await issuer.mint();
    const [, payload] = good.split(".");
    const none = `${base64url.encode(JSON.stringify({ alg: "none", typ: "at+jwt", kid: issuer.kid }))}.${payload}.`;
    await rejects(auth(none));
    const hmacKey = new TextEncoder().encode(JSON.stringify(issuer.publicJwk));
    const hs = await new SignJWT(JSON.parse(Buffer.from(payload, "base64url").toString())).setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: issuer.kid }).sign(hmacKey);
    await rejects(auth(hs));
  });

  it("rejects tokens whose typ is not at+jwt (an ID token, a DPoP proof)", async () => {
    await rejects(auth(await issuer.mint({}, { typ: "JWT" })), /typ/);
    await rejects(auth(await issuer.mint({}, { typ: "dpop+jwt" })), /typ/);
  });

  it("rejects a token from another issuer and a token signed by another key under our kid", async () => {
    await rejects(auth(await issuer.mint({ iss: "http://evil.example" })));
    const { privateKey } = await generateKeyPair("ES256");
    await rejects(auth(await issuer.mint({}, {}, privateKey)));
  });

  it("refetches the JWKS once for an unknown kid, then answers 401 without refetching during the cooldown", async () => {
    const before = issuer.jwksFetches;
    await rejects(auth(await issuer.mint({}, { kid: "unknown-1" })), /unknown key/);
    expect(issuer.jwksFetches).toBe(before + 1);
    await rejects(auth(await issuer.mint({}, { kid: "unknown-2" })));
    expect(issuer.jwksFetches).toBe(before + 1);
  });

  it("keeps verifying with cached keys while the issuer is down", async () => {
    issuer.down = true;
    try {
      await expect(auth(await issuer.mint())).resolves.toBeTruthy();
    } finally {
      issuer.down = false;
    }
  });

  it("verifies a known token on the fast path without touching the key set", async () => {
    const token = await issuer.mint();
    await auth(token);
    let keyLookups = 0;
    const counting = new ResourceServer({ ...rs.options, getKey: (h) => (keyLookups++, jwks.getKey(h)) });
    await counting.authenticate(request({ authorization: `Bearer ${token}` }), RESOURCE);
    await counting.authenticate(request({ authorization: `Bearer ${token}` }), RESOURCE);
    expect(keyLookups).toBe(1);
  });

  it("rejects an access token in the query string", async () => {
    const token = await issuer.mint();
    await rejects(rs.authenticate(request({}, `${RESOURCE}?access_token=${token}`), RESOURCE));
  });

  describe("DPoP-bound tokens", () => {
    it("accepts the DPoP scheme with a fresh proof by the bound key", async () => {
      const key = await dpopKey();
      const token = await issuer.mint({ cnf: { jkt: key.jkt } });
      await expect(auth(token, "DPoP", { dpop: await proof(key, token) })).resolves.toBeTruthy();
    });

    it("rejects a DPoP-bound token sent as Bearer", async () => {
      const key = await dpopKey();
      const token = await issuer.mint({ cnf: { jkt: key.jkt } });
      await rejects(auth(token), /DPoP-bound/);
      await rejects(auth(token, "Bearer", { dpop: await proof(key, token) }), /DPoP-bound/);
    });

    it("rejects a proof by another key, a wrong ath, and a replayed proof", async () => {
      const key = await dpopKey();
      const other = await dpopKey();
      const token = await issuer.mint({ cnf: { jkt: key.jkt } });
      await rejects(auth(token, "DPoP", { dpop: await proof(other, token) }));
      await rejects(auth(token, "DPoP", { dpop: await proof(key, token, { ath: accessTokenHash("another token") }) }));
      const once = await proof(key, token);
      await auth(token, "DPoP", { dpop: once });
      await rejects(auth(token, "DPoP", { dpop: once }));
    });

    it("rejects a proof for another URL or method", async () => {
      const key = await dpopKey();
      const token = await issuer.mint({ cnf: { jkt: key.jkt } });
      await rejects(auth(token, "DPoP", { dpop: await proof(key, token, { htu: "http://localhost:3001/other" }) }));
      await rejects(auth(token, "DPoP", { dpop: await proof(key, token, { htm: "GET" }) }));
    });

    it("rejects the DPoP scheme for a token that is not bound", async () => {
      const key = await dpopKey();
      const token = await issuer.mint();
      await rejects(auth(token, "DPoP", { dpop: await proof(key, token) }));
    });
  });
});

describe("key rotation as the resource server sees it", () => {
  it("stops accepting a key once the issuer unpublishes it and the cached key set is refreshed", async () => {
    const issuer = await startTestIssuer({ aud: RESOURCE });
    let clock = Date.now();
    const jwks = new JwksCache({ issuer: issuer.issuer, maxAgeMs: 60_000, now: () => clock });
    const rs = new ResourceServer({ issuer: issuer.issuer, resource: RESOURCE, scopes: ["messages:send"], getKey: jwks.getKey, verifyDpopProof: async () => ({ jkt: "", jti: "" }) });
    try {
      const first = await issuer.mint();
      await rs.authenticate(request({ authorization: `Bearer ${first}` }), RESOURCE);
      issuer.publish([]); // the key's last token has expired: the issuer removed it
      const second = await issuer.mint();
      // Within maxAge the cached set still holds the key...
      await expect(rs.authenticate(request({ authorization: `Bearer ${second}` }), RESOURCE)).resolves.toBeTruthy();
      // ...after it, the refreshed set does not, and a token not seen before is refused.
      clock += 61_000;
      const third = await issuer.mint();
      const err = await rs.authenticate(request({ authorization: `Bearer ${third}` }), RESOURCE).catch((e: unknown) => e);
      expect(rs.errorResponse(err).status).toBe(401);
    } finally {
      await issuer.close();
    }
  });
});

