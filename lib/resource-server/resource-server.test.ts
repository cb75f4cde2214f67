import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { base64url, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { accessTokenHash, jwkThumbprint, memoryReplayStore, verifyDpopProof } from "../oauth/dpop";
import { ResourceServer } from "./authenticate";
import { JwksCache } from "./jwks-cache";
import { forgedAccessTokens, startTestIssuer, type TestIssuer } from "./test-issuer";

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
    // The DPoP section of the checklist: a resource server's 401 offers the DPoP scheme too.
    expect(challenge).toMatch(/, DPoP algs="ES256[^"]*"/);
    expect(challenge).toContain(`resource_metadata="http://localhost:3001/.well-known/oauth-protected-resource/mcp"`);
    if (description) expect((await res.json()).error_description).toMatch(description);
    return challenge;
  };

  it("accepts a valid token and returns its claims", async () => {
    const result = await auth(await issuer.mint());
    expect(result.claims.grant_id).toBe("grant-1");
    expect(result.scopes).toEqual(["messages:send", "messages:read"]);
    expect(result.claims.authorization_details[0]?.recipients).toEqual(["+15550100123"]);
  });

  it("answers a request without a token with 401, resource_metadata and scope, and no error code (RFC 6750 section 3.1; checklist 53)", async () => {
    const challenge = await rejects(rs.authenticate(request(), RESOURCE));
    expect(challenge).toContain(`scope="messages:send messages:read"`);
    expect(challenge.split("DPoP")[0]).not.toContain("error=");
  });

  it("rejects a token for another audience with invalid_token (checklist 54)", async () => {
    const challenge = await rejects(auth(await issuer.mint({ aud: "http://localhost:3000/api/messages" })), /not meant for this resource/);
    expect(challenge).toContain(`error="invalid_token"`);
  });

  describe("token times against a pinned clock, so the 30 s boundaries are exact (checklist 55)", () => {
    // The tokens and the resource server share one instant: no second can tick over between
    // minting and checking and turn "31 s ahead" into "30 s ahead".
    const T = now();
    let pinned: ResourceServer;
    beforeAll(() => {
      pinned = new ResourceServer({ ...rs.options, now: () => new Date(T * 1000) });
    });
    const at = async (claims: Record<string, unknown>) => pinned.authenticate(request({ authorization: `Bearer ${await issuer.mint(claims)}` }), RESOURCE);
    const rejectsAt = async (claims: Record<string, unknown>, description: RegExp) => {
      const err = await at(claims).then(() => null, (e: unknown) => e);
      expect(err, `expected ${JSON.stringify(claims)} to be refused`).not.toBeNull();
      const res = pinned.errorResponse(err);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
      expect((await res.json()).error_description).toMatch(description);
    };

    it("rejects an expired token (checklist 55), and accepts one expired less than 30 s ago (clock skew)", async () => {
      await rejectsAt({ iat: T - 700, nbf: T - 700, exp: T - 31 }, /expired/);
      await rejectsAt({ iat: T - 700, nbf: T - 700, exp: T - 3600 }, /expired/);
      await expect(at({ iat: T - 700, nbf: T - 700, exp: T - 29 })).resolves.toBeTruthy();
      await expect(at({ iat: T - 700, nbf: T - 700, exp: T })).resolves.toBeTruthy();
    });

    it("rejects nbf more than 30 s in the future (checklist 55), accepts it up to 30 s ahead", async () => {
      await rejectsAt({ iat: T, nbf: T + 31 }, /not valid yet/);
      await rejectsAt({ iat: T, nbf: T + 300 }, /not valid yet/);
      await expect(at({ iat: T, nbf: T + 30 })).resolves.toBeTruthy();
      await expect(at({ iat: T, nbf: T + 10 })).resolves.toBeTruthy();
    });

    it("rejects iat more than 30 s in the future (checklist 55), accepts it up to 30 s ahead", async () => {
      await rejectsAt({ iat: T + 31, nbf: T }, /not valid yet|issued in the future/);
      await rejectsAt({ iat: T + 300, nbf: T }, /not valid yet|issued in the future/);
      // Without nbf the iat check alone must catch it.
      await rejectsAt({ iat: T + 31, nbf: undefined }, /not valid yet|issued in the future/);
      await expect(at({ iat: T + 30, nbf: T })).resolves.toBeTruthy();
      await expect(at({ iat: T + 10, nbf: T + 10 })).resolves.toBeTruthy();
    });

    it("re-checks the times of a token it already verified, on the fast path (checklist 55)", async () => {
      let clock = T;
      const moving = new ResourceServer({ ...rs.options, now: () => new Date(clock * 1000) });
      const token = await issuer.mint({ iat: T - 700, nbf: T - 700, exp: T + 5 });
      await expect(moving.authenticate(request({ authorization: `Bearer ${token}` }), RESOURCE)).resolves.toBeTruthy(); // verified and cached
      clock = T + 36; // 31 s past exp
      const err = await moving.authenticate(request({ authorization: `Bearer ${token}` }), RESOURCE).then(() => null, (e: unknown) => e);
      expect(moving.errorResponse(err).status).toBe(401);
    });
  });

  it("rejects alg none and HS256 keyed with the public key, as JWK or as PEM (checklist 56)", async () => {
    const good = await issuer.mint();
    const [, payload = ""] = good.split(".");
    const none = `${base64url.encode(JSON.stringify({ alg: "none", typ: "at+jwt", kid: issuer.kid }))}.${payload}.`;
    await rejects(auth(none), /ES256/);
    const hmacKey = new TextEncoder().encode(JSON.stringify(issuer.publicJwk));
    const hs = await new SignJWT(JSON.parse(Buffer.from(payload, "base64url").toString())).setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: issuer.kid }).sign(hmacKey);
    await rejects(auth(hs), /ES256/);
    const forged = (await forgedAccessTokens(issuer)).filter((f) => f.checklist === 56);
    expect(forged.map((f) => f.what)).toContain("HS256 keyed with the public key's PEM");
    for (const f of forged) await rejects(auth(f.token), /ES256/);
  });

  it("rejects tokens whose typ is not at+jwt: an ID token, a DPoP proof (checklist 57)", async () => {
    await rejects(auth(await issuer.mint({}, { typ: "JWT" })), /typ/);
    await rejects(auth(await issuer.mint({}, { typ: "dpop+jwt" })), /typ/);
    await rejects(auth(await issuer.mint({}, { typ: undefined })), /typ/);
    const forged = (await forgedAccessTokens(issuer)).filter((f) => f.checklist === 57);
    expect(forged).toHaveLength(4);
    for (const f of forged) await rejects(auth(f.token));
    // The ID tokens differ from a good token in typ only, so typ is what stops them.
    for (const f of forged.filter((x) => x.what.startsWith("an ID token"))) await rejects(auth(f.token), /typ/);
    // RFC 9068 section 4 allows the media-type form of the same typ.
    await expect(auth(await issuer.mint({}, { typ: "application/at+jwt" }))).resolves.toBeTruthy();
  });

  it("answers every forged token (checklist 55, 56, 57) with 401 invalid_token", async () => {
    const forged = await forgedAccessTokens(issuer);
    expect(forged.length).toBeGreaterThanOrEqual(10);
    for (const f of forged) {
      const challenge = await rejects(auth(f.token));
      expect(challenge, f.what).toContain('error="invalid_token"');
    }
  });

  it("rejects a token from another issuer and a token signed by another key under our kid", async () => {
    await rejects(auth(await issuer.mint({ iss: "http://evil.example" })));
    const { privateKey } = await generateKeyPair("ES256");
    await rejects(auth(await issuer.mint({}, {}, privateKey)));
  });

  it("refetches the JWKS once for an unknown kid, then answers 401 without refetching during the cooldown (checklist 58)", async () => {
    // Its own key cache, so no earlier test's fetches or cooldown can blur the count.
    const own = await startTestIssuer();
    try {
      let clock = Date.now();
      const keys = new JwksCache({ issuer: own.issuer, cooldownMs: 30_000, now: () => clock });
      const server = new ResourceServer({ ...rs.options, issuer: own.issuer, getKey: keys.getKey });
      const authAt = (token: string) => server.authenticate(request({ authorization: `Bearer ${token}` }), RESOURCE);
      await authAt(await own.mint()); // loads the key set
      const loaded = own.jwksFetches;
      expect(loaded).toBe(1);
      // checklist 58: exactly one refetch for the unknown kid, then 401.
      const unknown = await authAt(await own.mint({}, { kid: "unknown-1" })).then(() => null, (e: unknown) => e);
      expect(own.jwksFetches).toBe(loaded + 1);
      const res = server.errorResponse(unknown);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
      expect((await res.json()).error_description).toMatch(/unknown key/);
      // More unknown kids within the cooldown: 401 each, no further fetch.
      for (const kid of ["unknown-1", "unknown-2", "unknown-3"]) {
        const err = await authAt(await own.mint({}, { kid })).then(() => null, (e: unknown) => e);
        expect(server.errorResponse(err).status).toBe(401);
      }
      expect(own.jwksFetches).toBe(loaded + 1);
      // The refetch is what lets a newly published key in: after the cooldown, one more fetch finds it.
      const next = await generateKeyPair("ES256", { extractable: true });
      own.publish([own.publicJwk, { ...(await exportJWK(next.publicKey)), kid: "k-next", alg: "ES256", use: "sig" }]);
      clock += 30_000;
      await expect(authAt(await own.mint({}, { kid: "k-next" }, next.privateKey))).resolves.toBeTruthy();
      expect(own.jwksFetches).toBe(loaded + 2);
    } finally {
      await own.close();
    }
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

  it("rejects an access token in the query string, even next to a good Authorization header (checklist 62)", async () => {
    const token = await issuer.mint();
    await rejects(rs.authenticate(request({}, `${RESOURCE}?access_token=${token}`), RESOURCE), /header/);
    await rejects(rs.authenticate(request({ authorization: `Bearer ${token}` }, `${RESOURCE}?access_token=${token}`), RESOURCE), /header/);
    await rejects(rs.authenticate(request({ authorization: `Bearer ${token}` }, `${RESOURCE}?foo=1&access_token=`), RESOURCE), /header/);
  });

  describe("DPoP-bound tokens", () => {
    it("accepts the DPoP scheme with a fresh proof by the bound key", async () => {
      const key = await dpopKey();
      const token = await issuer.mint({ cnf: { jkt: key.jkt } });
      await expect(auth(token, "DPoP", { dpop: await proof(key, token) })).resolves.toBeTruthy();
    });

    it("rejects a DPoP-bound token sent as Bearer (checklist 59)", async () => {
      const key = await dpopKey();
      const token = await issuer.mint({ cnf: { jkt: key.jkt } });
      expect(await rejects(auth(token), /DPoP-bound/)).toContain('error="invalid_token"');
      expect(await rejects(auth(token, "Bearer", { dpop: await proof(key, token) }), /DPoP-bound/)).toContain('error="invalid_token"');
    });

    it("rejects a proof by another key than cnf.jkt, a wrong ath, and a replayed proof (checklist 60)", async () => {
      const key = await dpopKey();
      const other = await dpopKey();
      const token = await issuer.mint({ cnf: { jkt: key.jkt } });
      const dpopError = (challenge: string) => expect(challenge.slice(challenge.indexOf(", DPoP "))).toContain('error="invalid_dpop_proof"');
      // checklist 60: cnf.jkt mismatch
      dpopError(await rejects(auth(token, "DPoP", { dpop: await proof(other, token) }), /another key/));
      // checklist 60: ath mismatch, and a proof without ath
      dpopError(await rejects(auth(token, "DPoP", { dpop: await proof(key, token, { ath: accessTokenHash("another token") }) }), /ath/));
      dpopError(await rejects(auth(token, "DPoP", { dpop: await proof(key, token, { ath: undefined }) }), /ath/));
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
      // ...after it, the stale set answers while a refresh runs in the background; once the
      // refresh has succeeded, the key is gone and a token not seen before is refused.
      clock += 61_000;
      const fetches = issuer.jwksFetches;
      await expect(rs.authenticate(request({ authorization: `Bearer ${await issuer.mint()}` }), RESOURCE)).resolves.toBeTruthy();
      await vi.waitFor(() => expect(issuer.jwksFetches).toBe(fetches + 1)); // the background refresh
      await jwks.refresh(); // waits for it to finish (or does one more)
      const third = await issuer.mint();
      const err = await rs.authenticate(request({ authorization: `Bearer ${third}` }), RESOURCE).catch((e: unknown) => e);
      expect(rs.errorResponse(err).status).toBe(401);
    } finally {
      await issuer.close();
    }
  });
});


describe("a stale key set while the issuer hangs", () => {
  it("checklist 161: answers from the stale key set at once and refreshes in the background; a removed key is refused once a refresh succeeds", async () => {
    const issuer = await startTestIssuer({ aud: RESOURCE });
    let clock = Date.now();
    const timeoutMs = 3_000;
    const jwks = new JwksCache({ issuer: issuer.issuer, maxAgeMs: 60_000, cooldownMs: 30_000, timeoutMs, now: () => clock });
    const rs = new ResourceServer({ issuer: issuer.issuer, resource: RESOURCE, scopes: ["messages:send"], getKey: jwks.getKey, verifyDpopProof: async () => ({ jkt: "", jti: "" }) });
    const present = async (token: string) => rs.authenticate(request({ authorization: `Bearer ${token}` }), RESOURCE);
    try {
      await present(await issuer.mint()); // loads the key set
      expect(issuer.jwksFetches).toBe(1);
      // The issuer stops answering (accepts connections, never replies), and the set goes stale.
      issuer.hang = true;
      clock += 61_000;
      const tokens = await Promise.all([1, 2, 3].map(() => issuer.mint()));
      const started = performance.now();
      for (const token of tokens) await expect(present(token)).resolves.toBeTruthy();
      const elapsed = performance.now() - started;
      // Without stale-while-revalidate the first call alone waits out the fetch timeout.
      expect(elapsed).toBeLessThan(timeoutMs / 3);
      // One background fetch, shared: three requests did not make three.
      await vi.waitFor(() => expect(issuer.jwksFetches).toBe(2));

      // The background fetch times out; the next retry waits a cooldown, so an outage does not
      // turn every request into a fetch.
      await jwks.refresh().catch(() => undefined);
      await present(await issuer.mint());
      expect(issuer.jwksFetches).toBe(2);

      // The issuer is back and has removed the key. After the cooldown a request starts a
      // refresh (and is still answered from the stale set); once it has succeeded, the key is refused.
      issuer.hang = false;
      issuer.publish([]);
      clock += 30_001;
      await expect(present(await issuer.mint())).resolves.toBeTruthy();
      await vi.waitFor(() => expect(issuer.jwksFetches).toBe(3));
      await jwks.refresh();
      const err = await present(await issuer.mint()).catch((e: unknown) => e);
      expect(rs.errorResponse(err).status).toBe(401);
    } finally {
      await issuer.close();
    }
  });
});
