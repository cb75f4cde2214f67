import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDb, type Db } from "../../db/client";
import { testDatabases } from "../../../tests/harness/databases";
import { testDeps, type TestDeps } from "../../../tests/harness/test-deps";
import { decryptSecret, encryptSecret } from "./encryption";
import { ensureSigningKeys, PUBLISH_LEAD_SECONDS, publicJwks, rotateSigningKeys, signJwt } from "./index";
import { forgetKeyCache } from "./cache";
import { ResourceServer } from "../../resource-server/authenticate";
import { JwksCache } from "../../resource-server/jwks-cache";

const KEK = Buffer.alloc(32, 7).toString("base64url");

describe("private key encryption", () => {
  it("round-trips and binds the ciphertext to its key id", () => {
    const sealed = encryptSecret('{"d":"secret"}', KEK, "kid-1");
    expect(sealed).not.toContain("secret");
    expect(decryptSecret(sealed, KEK, "kid-1")).toBe('{"d":"secret"}');
    expect(() => decryptSecret(sealed, KEK, "kid-2")).toThrow();
    expect(() => decryptSecret(sealed, Buffer.alloc(32, 8).toString("base64url"), "kid-1")).toThrow();
    const [v, iv, body] = sealed.split(".");
    const flipped = Buffer.from(body ?? "", "base64url");
    flipped[0] = flipped.readUInt8(0) ^ 1;
    expect(() => decryptSecret(`${v}.${iv}.${flipped.toString("base64url")}`, KEK, "kid-1")).toThrow();
  });
});

const claims = (deps: TestDeps, extra: Record<string, unknown> = {}) => {
  const iat = Math.floor(deps.now().getTime() / 1000);
  return { iss: deps.config.issuerUrl, sub: "u1", aud: "r", iat, exp: iat + 600, ...extra };
};

async function verifyAt(deps: TestDeps, jwt: string) {
  const jwks = createLocalJWKSet(await publicJwks(deps));
  return jwtVerify(jwt, jwks, { algorithms: ["ES256"], currentDate: deps.now(), typ: "at+jwt" });
}

describe.each(testDatabases())("signing keys on $name", (target) => {
  let db: Db;
  let deps: TestDeps;
  // A second connection, as another process would have. On SQLite, better-sqlite3 waits for a
  // lock synchronously, so a second connection in the same thread would deadlock: there the
  // single connection's own transaction queue is what is tested (processes are covered by e2e).
  const secondClient = () => (target.name === "postgresql" ? createDb(target.url()) : db);
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());
  beforeEach(async () => {
    await db.signingKey.deleteMany();
    forgetKeyCache(db);
    deps = testDeps(db);
  });

  it("writes a compact JWS (RFC 7515 section 7.1) that jose verifies: the header and payload exactly as given, an ES256 signature of 64 bytes", async () => {
    const payload = claims(deps, { scope: "messages:send", authorization_details: [{ type: "sms", limit: 3 }], note: "é ✓" });
    const jwt = await signJwt(deps, { typ: "at+jwt", payload });
    const [header, body, signature, ...rest] = jwt.split(".");
    expect(rest).toEqual([]);
    const kid = (await db.signingKey.findFirstOrThrow()).kid;
    expect(JSON.parse(Buffer.from(header!, "base64url").toString())).toEqual({ alg: "ES256", kid, typ: "at+jwt" });
    expect(JSON.parse(Buffer.from(body!, "base64url").toString())).toEqual(payload);
    // R || S (RFC 7518 section 3.4), not DER, in base64url without padding.
    expect(signature).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(Buffer.from(signature!, "base64url")).toHaveLength(64);
    const verified = await verifyAt(deps, jwt);
    expect(verified.payload).toEqual(payload);
    // Another key's JWKS does not verify it, and a changed payload does not either.
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...payload, sub: "u2" })).toString("base64url")}.${signature}`;
    await expect(verifyAt(deps, forged)).rejects.toThrow(/signature/);
  });

  it("creates the first key on demand and stores its private half only encrypted", async () => {
    const jwt = await signJwt(deps, { typ: "at+jwt", payload: claims(deps) });
    const header = decodeProtectedHeader(jwt);
    expect(header).toMatchObject({ alg: "ES256", typ: "at+jwt" });
    const rows = await db.signingKey.findMany();
    expect(rows).toHaveLength(1);
    expect(header.kid).toBe(rows[0]?.kid);
    const pub = JSON.parse(rows[0]!.publicJwk);
    expect(pub.d).toBeUndefined();
    expect(rows[0]?.privateJwkEnc).toMatch(/^v1\./);
    expect(rows[0]?.privateJwkEnc).not.toContain('"d"');
    const { payload } = await verifyAt(deps, jwt);
    expect(payload.sub).toBe("u1");
    const jwks = await publicJwks(deps);
    expect(jwks.keys[0]).toMatchObject({ kid: rows[0]?.kid, kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
    expect(jwks.keys[0]).not.toHaveProperty("d");
  });

  it("refuses to sign a JWT without exp or living longer than 15 minutes", async () => {
    await expect(signJwt(deps, { typ: "at+jwt", payload: { sub: "x" } })).rejects.toThrow(/exp/);
    const far = claims(deps, { exp: Math.floor(deps.now().getTime() / 1000) + 901 });
    await expect(signJwt(deps, { typ: "at+jwt", payload: far })).rejects.toThrow(/exp/);
  });

  it("checklist 2: publishes a new key before it signs, and keeps the old one until its last token expired", async () => {
    await ensureSigningKeys(deps);
    const oldToken = await signJwt(deps, { typ: "at+jwt", payload: claims(deps) });
    const oldKid = decodeProtectedHeader(oldToken).kid;
    const rotation = await rotateSigningKeys(deps);
    expect(rotation.retired).toEqual([oldKid]);

    // Published at once, but the old key still signs during the lead time.
    expect((await publicJwks(deps)).keys.map((k) => k.kid).sort()).toEqual([oldKid, rotation.kid].sort());
    expect(decodeProtectedHeader(await signJwt(deps, { typ: "at+jwt", payload: claims(deps) })).kid).toBe(oldKid);

    deps.advance(PUBLISH_LEAD_SECONDS + 1);
    const newToken = await signJwt(deps, { typ: "at+jwt", payload: claims(deps) });
    expect(decodeProtectedHeader(newToken).kid).toBe(rotation.kid);
    expect((await publicJwks(deps)).keys.map((k) => k.kid)).toContain(oldKid);

    // After the old key's last possible token expired, it leaves the JWKS and its tokens fail.
    deps.advance(15 * 60 + 121);
    expect((await publicJwks(deps)).keys.map((k) => k.kid)).toEqual([rotation.kid]);
    const jwks = createLocalJWKSet(await publicJwks(deps));
    await expect(jwtVerify(oldToken, jwks, { algorithms: ["ES256"] })).rejects.toMatchObject({ code: "ERR_JWKS_NO_MATCHING_KEY" });

    const audit = await db.auditEvent.findMany({ where: { type: "key.rotated" }, orderBy: { seq: "desc" }, take: 1 });
    expect(JSON.parse(audit[0]!.details)).toMatchObject({ kid: rotation.kid, retired_kids: [oldKid] });
  });

  it("checklist 2: a resource server answers 401 to a token whose key the issuer removed, and accepts it while published", async () => {
    await ensureSigningKeys(deps);
    const resource = deps.config.mcpResourceUrl;
    const mint = () =>
      signJwt(deps, { typ: "at+jwt", payload: claims(deps, { aud: resource, client_id: "c1", grant_id: "g1", jti: crypto.randomUUID(), scope: "messages:send", authorization_details: [] }) });
    // The resource server reads the issuer's published JWKS and refreshes it once it is a minute old.
    const jwks = new JwksCache({ issuer: deps.config.issuerUrl, loadJwks: () => publicJwks(deps), now: () => deps.now().getTime(), maxAgeMs: 60_000 });
    const rs = new ResourceServer({
      issuer: deps.config.issuerUrl,
      resource,
      scopes: ["messages:send"],
      getKey: jwks.getKey,
      verifyDpopProof: async () => ({ jkt: "", jti: "" }),
      now: () => deps.now(),
    });
    const present = (token: string) => rs.authenticate(new Request(resource, { method: "POST", headers: { authorization: `Bearer ${token}` } }), resource);

    const seen = await mint();
    const unseen = await mint();
    const oldKid = String(decodeProtectedHeader(seen).kid);
    await expect(present(seen)).resolves.toBeTruthy();
    const rotation = await rotateSigningKeys(deps);
    deps.advance(PUBLISH_LEAD_SECONDS + 1);
    forgetKeyCache(db);
    const newToken = await mint();
    expect(decodeProtectedHeader(newToken).kid).toBe(rotation.kid);
    // The new key was published before it signed: the resource server knows it at once.
    await expect(present(newToken)).resolves.toBeTruthy();
    // The key is removed (here while its tokens still live, to tell "removed" from "expired").
    await db.signingKey.update({ where: { kid: oldKid }, data: { removeAfter: deps.now() } });
    forgetKeyCache(db);
    deps.advance(61);
    const err = await present(unseen).then(() => null, (e: unknown) => e);
    const res = rs.errorResponse(err);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/error="invalid_token"/);
    expect((await res.json()).error_description).toMatch(/unknown key/);
    await expect(present(newToken)).resolves.toBeTruthy();
  });

  it("rotates by age, once, even when two processes check at the same time", async () => {
    await ensureSigningKeys(deps);
    expect(await ensureSigningKeys(deps)).toBeNull();
    deps.advance(deps.config.signingKeyMaxAgeDays * 24 * 3600 + 1);
    const other = secondClient();
    try {
      const results = await Promise.all([ensureSigningKeys(deps), ensureSigningKeys({ ...deps, db: other })]);
      expect(results.filter(Boolean)).toHaveLength(1);
    } finally {
      if (other !== db) await other.$disconnect();
    }
    expect(await db.signingKey.count()).toBe(2);
  });

  it("creates exactly one first key under concurrency", async () => {
    const other = secondClient();
    try {
      await Promise.all([ensureSigningKeys(deps), ensureSigningKeys({ ...deps, db: other }), ensureSigningKeys(deps)]);
    } finally {
      if (other !== db) await other.$disconnect();
    }
    expect(await db.signingKey.count()).toBe(1);
  });
});
