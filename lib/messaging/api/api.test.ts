import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import type { Db } from "../../db";
import { testDatabases } from "../../../tests/harness/databases";
import { accessTokenHash, jwkThumbprint } from "../../oauth/dpop";
import { JwksCache } from "../../resource-server/jwks-cache";
import { forgedAccessTokens, startTestIssuer, type TestIssuer } from "../../resource-server/test-issuer";
import { sandboxProvider } from "../providers/sandbox";
import type { MessagingProvider } from "../providers";
import { grantEntryLimits } from "../../grants/entries";
import { makeGrant, testDeps, type GrantFixture } from "../test-fixtures";
import { createMessagingApiContext, type MessagingApiContext } from "./context";
import { handleGetMessage } from "./get-message";
import { handlePostMessage } from "./post-message";

const API = "http://localhost:3000/api/messages";
const METADATA = 'resource_metadata="http://localhost:3000/.well-known/oauth-protected-resource/api/messages"';

async function dpopKey() {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await jwkThumbprint(jwk) };
}

async function dpopProof(key: { privateKey: CryptoKey; jwk: JWK }, token: string, claims: Record<string, unknown> = {}) {
  return new SignJWT({ jti: randomUUID(), htm: "POST", htu: API, iat: Math.floor(Date.now() / 1000), ath: accessTokenHash(token), ...claims })
    .setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk: key.jwk })
    .sign(key.privateKey);
}

describe.each(testDatabases())("the messaging API on $name", (target) => {
  let db: Db;
  let issuer: TestIssuer;
  let ctx: MessagingApiContext;
  // What the provider (the upstream SMS service) was handed, and what the process printed (checklist 64).
  const handedToProvider: string[] = [];
  const printed: string[] = [];
  const minted: string[] = [];
  const originals = { log: console.log, error: console.error, warn: console.warn, info: console.info };
  beforeAll(async () => {
    for (const k of Object.keys(originals) as (keyof typeof originals)[]) {
      console[k] = (...args: unknown[]) => {
        printed.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : typeof a === "string" ? a : JSON.stringify(a))).join(" "));
        originals[k](...args);
      };
    }
    db = await target.open();
    issuer = await startTestIssuer({ aud: API, client_id: "mcp-server", act: { sub: "mcp-server", act: { sub: "agent" } } });
    const deps = testDeps(db, { ISSUER_URL: issuer.issuer, MESSAGING_RESOURCE_URL: API });
    const sandbox = sandboxProvider();
    const recording: MessagingProvider = {
      ...sandbox,
      send: (message) => {
        handedToProvider.push(JSON.stringify(message));
        return sandbox.send(message);
      },
    };
    ctx = createMessagingApiContext(deps, { getKey: new JwksCache({ issuer: issuer.issuer }).getKey, provider: recording });
  });
  afterAll(async () => {
    Object.assign(console, originals);
    await issuer.close();
    await target.close();
  });

  const token = async (g: GrantFixture, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) => {
    const t = await issuer.mint({ sub: g.userId, grant_id: g.grantId, authorization_details: g.details, ...claims }, header);
    minted.push(t);
    return t;
  };
  const send = (auth: string | null, body: unknown, headers: Record<string, string> = {}, url = API) =>
    handlePostMessage(
      new Request(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...(auth ? { Authorization: `Bearer ${auth}` } : {}), ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body),
      }),
      ctx,
    );
  const getMessage = (headers: Record<string, string>, id: string, url = `${API}/${id}`) => handleGetMessage(new Request(url, { headers }), ctx, id);

  it("sends with a messaging-audience token, files the message under the grant and credits the service in the audit", async () => {
    const g = await makeGrant(db);
    const res = await send(await token(g), { to: "+15550100123", body: "hello" });
    expect(res.status).toBe(201);
    const message = await res.json();
    expect(message).toMatchObject({ to: "+15550100123", status: "delivered", grant_id: g.grantId });
    const queued = await db.auditEvent.findFirstOrThrow({ where: { grantId: g.grantId, type: "message.queued" } });
    expect(queued).toMatchObject({ actorType: "service", actorId: "mcp-server" });
  });

  it("refuses a token for the MCP server (wrong audience) and a request without a token (checklist 53, 54)", async () => {
    const g = await makeGrant(db);
    // checklist 54
    const wrongAud = await send(await token(g, { aud: "http://localhost:3001/mcp" }), { to: "+15550100123", body: "x" });
    expect(wrongAud.status).toBe(401);
    expect(wrongAud.headers.get("www-authenticate")).toContain('error="invalid_token"');
    expect((await wrongAud.json()).error_description).toMatch(/not meant for this resource/);
    const wrongAudGet = await getMessage({ Authorization: `Bearer ${await token(g, { aud: "http://localhost:3001/mcp", scope: "messages:read" })}` }, "m1");
    expect(wrongAudGet.status).toBe(401);
    expect(wrongAudGet.headers.get("www-authenticate")).toContain('error="invalid_token"');
    // checklist 53: POST and GET, a challenge with resource_metadata, the DPoP scheme and no error code
    const none = await send(null, { to: "+15550100123", body: "x" });
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain(METADATA);
    for (const res of [none, await getMessage({}, "m1")]) {
      expect(res.status).toBe(401);
      const challenge = res.headers.get("www-authenticate")!;
      expect(challenge).toMatch(/^Bearer /);
      expect(challenge).toContain(METADATA);
      expect(challenge).toMatch(/, DPoP algs="ES256[^"]*"/);
      expect(challenge).not.toContain("error=");
    }
    expect(await db.message.count({ where: { grantId: g.grantId } })).toBe(0);
  });

  it("answers expired, not-yet-valid, alg none, HS256 and non-access-token JWTs with 401 invalid_token, and sends nothing (checklist 55, 56, 57)", async () => {
    const g = await makeGrant(db);
    const forged = await forgedAccessTokens(issuer, { sub: g.userId, grant_id: g.grantId, authorization_details: g.details });
    expect(new Set(forged.map((f) => f.checklist))).toEqual(new Set([55, 56, 57]));
    for (const f of forged) {
      minted.push(f.token);
      for (const res of [await send(f.token, { to: "+15550100123", body: "x" }), await getMessage({ Authorization: `Bearer ${f.token}` }, "m1")]) {
        expect(res.status, f.what).toBe(401);
        const challenge = res.headers.get("www-authenticate")!;
        expect(challenge, f.what).toContain('error="invalid_token"');
        expect(challenge, f.what).toContain(METADATA);
      }
    }
    expect(await db.message.count({ where: { grantId: g.grantId } })).toBe(0);
    // checklist 55: less than 30 s ahead is within the allowed clock skew.
    const now = Math.floor(Date.now() / 1000);
    expect((await send(await token(g, { iat: now + 10, nbf: now + 10 }), { to: "+15550100123", body: "skew" })).status).toBe(201);
  });

  it("refetches the issuer's keys once for an unknown kid, then answers 401 (checklist 58)", async () => {
    const g = await makeGrant(db);
    expect((await getMessage({ Authorization: `Bearer ${await token(g)}` }, "none")).status).toBe(404); // key set loaded
    const before = issuer.jwksFetches;
    const res = await send(await token(g, {}, { kid: "unknown-kid-1" }), { to: "+15550100123", body: "x" });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
    expect(issuer.jwksFetches).toBe(before + 1);
    for (const kid of ["unknown-kid-1", "unknown-kid-2"]) {
      expect((await send(await token(g, {}, { kid }), { to: "+15550100123", body: "x" })).status).toBe(401);
    }
    expect(issuer.jwksFetches).toBe(before + 1);
    expect(await db.message.count({ where: { grantId: g.grantId } })).toBe(0);
  });

  it("accepts a DPoP-bound token only with the DPoP scheme and a proof by its key for this token (checklist 59, 60)", async () => {
    const g = await makeGrant(db, { maxMessages: 5 });
    const key = await dpopKey();
    const other = await dpopKey();
    const t = await token(g, { cnf: { jkt: key.jkt } });
    const withProof = async (proof: string) => send(null, { to: "+15550100123", body: "x" }, { Authorization: `DPoP ${t}`, DPoP: proof });
    expect((await withProof(await dpopProof(key, t))).status).toBe(201);
    // checklist 59: sent as Bearer, with or without a proof
    for (const res of [await send(t, { to: "+15550100123", body: "x" }), await send(t, { to: "+15550100123", body: "x" }, { DPoP: await dpopProof(key, t) })]) {
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
      expect((await res.json()).error_description).toMatch(/DPoP-bound/);
    }
    // checklist 60: a proof by another key than cnf.jkt, a wrong ath, no ath
    for (const [proof, why] of [
      [await dpopProof(other, t), /another key/],
      [await dpopProof(key, t, { ath: accessTokenHash(`${t}x`) }), /ath/],
      [await dpopProof(key, t, { ath: undefined }), /ath/],
    ] as const) {
      const res = await withProof(proof);
      expect(res.status).toBe(401);
      const challenge = res.headers.get("www-authenticate")!;
      expect(challenge.slice(challenge.indexOf(", DPoP "))).toContain('error="invalid_dpop_proof"');
      expect((await res.json()).error_description).toMatch(why);
    }
    expect(await db.message.count({ where: { grantId: g.grantId } })).toBe(1);
  });

  it("refuses an access token in the query string, even next to a good Authorization header (checklist 62)", async () => {
    const g = await makeGrant(db);
    const t = await token(g);
    for (const res of [
      await send(null, { to: "+15550100123", body: "x" }, {}, `${API}?access_token=${t}`),
      await send(t, { to: "+15550100123", body: "x" }, {}, `${API}?access_token=${t}`),
      await getMessage({ Authorization: `Bearer ${t}` }, "m1", `${API}/m1?access_token=${t}`),
    ]) {
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain('error="invalid_request"');
    }
    expect(await db.message.count({ where: { grantId: g.grantId } })).toBe(0);
  });

  it("enforces the authorization details again: recipient, scope, quota and a live grant; audits the denials (checklist 61, 63)", async () => {
    const g = await makeGrant(db, { maxMessages: 1 });
    const t = await token(g);
    const other = await send(t, { to: "+15550100199", body: "x" });
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({ error: "recipient_not_allowed", limit: "recipients" });
    const readOnly = await send(await token(g, { scope: "messages:read" }), { to: "+15550100123", body: "x" });
    expect(readOnly.status).toBe(403);
    expect(readOnly.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
    // RFC 6750 section 3.1: the challenge names what the token has and what it needs.
    expect(readOnly.headers.get("www-authenticate")).toContain('scope="messages:read messages:send"');
    expect((await send(t, { to: "+15550100123", body: "1" })).status).toBe(201);
    const spent = await send(t, { to: "+15550100123", body: "2" });
    expect(spent.status).toBe(403);
    expect(await spent.json()).toMatchObject({ error: "quota_exhausted", limit: "max_messages" });
    await db.grant.update({ where: { id: g.grantId }, data: { status: "revoked" } });
    const revoked = await send(t, { to: "+15550100123", body: "3" });
    expect(revoked.status).toBe(401);
    expect(await revoked.json()).toMatchObject({ error: "grant_revoked" });
    // checklist 61 (recipient, quota) and 63 (revoked grant): denied and audited
    const denials = await db.auditEvent.findMany({ where: { grantId: g.grantId, type: "message.denied" }, orderBy: { seq: "asc" } });
    // checklist 61 (tool outside the scope): the scope denial is audited like the others
    expect(denials.map((d) => d.reason)).toEqual(["recipient_not_allowed", "insufficient_scope", "quota_exhausted", "grant_revoked"]);
    expect(denials.every((d) => d.outcome === "denied" && d.actorType === "service" && d.actorId === "mcp-server")).toBe(true);
    expect(await db.message.count({ where: { grantId: g.grantId } })).toBe(1);
  });

  it("checklist 100: enforces each entry's own max_messages, as the consent screen worded it, and audits the denial", async () => {
    const g = await makeGrant(db, {
      details: [
        { type: "messaging", actions: ["send"], recipients: ["+15550100123"], max_messages: 1 },
        { type: "messaging", actions: ["send"], recipients: ["+15550100999"], max_messages: 5 },
      ],
    });
    const t = await token(g);
    expect((await send(t, { to: "+15550100123", body: "1" })).status).toBe(201);
    const second = await send(t, { to: "+15550100123", body: "2" });
    expect(second.status).toBe(403);
    expect(await second.json()).toMatchObject({ error: "quota_exhausted", limit: "max_messages", recipient: "+15550100123" });
    for (let i = 0; i < 5; i++) expect((await send(t, { to: "+15550100999", body: `b${i}` })).status, `send ${i}`).toBe(201);
    expect((await send(t, { to: "+15550100999", body: "b5" })).status).toBe(403);
    expect(await db.message.count({ where: { grantId: g.grantId, recipient: "+15550100123" } })).toBe(1);
    expect(await db.auditEvent.count({ where: { grantId: g.grantId, reason: "quota_exhausted" } })).toBe(2);
  });

  it("denies a revoked grant or token on the very next request, reads included (checklist 63)", async () => {
    const g = await makeGrant(db, { maxMessages: 5 });
    const t = await token(g);
    const sent = await (await send(t, { to: "+15550100123", body: "before" })).json();
    await db.grant.update({ where: { id: g.grantId }, data: { status: "revoked", revokedAt: new Date() } });
    const revokedAt = Date.now();
    const post = await send(t, { to: "+15550100123", body: "after" });
    const get = await getMessage({ Authorization: `Bearer ${t}` }, sent.id);
    expect(Date.now() - revokedAt).toBeLessThan(1000);
    for (const res of [post, get]) {
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
      expect(await res.json()).toMatchObject({ error: "grant_revoked", limit: "grant" });
    }
    // One token revoked (say, a spent code came back) while its grant stays active.
    const h = await makeGrant(db, { maxMessages: 5 });
    const jti = randomUUID();
    const revokedToken = await token(h, { jti });
    await db.issuedToken.create({ data: { jti, grantId: h.grantId, clientId: h.clientId, expiresAt: new Date(Date.now() + 600_000), revokedAt: new Date() } });
    expect(await (await send(revokedToken, { to: "+15550100123", body: "x" })).json()).toMatchObject({ error: "token_revoked" });
    expect(await db.message.count({ where: { grantId: { in: [g.grantId, h.grantId] } } })).toBe(1);
  });

  it("makes retries with the same Idempotency-Key never double-send", async () => {
    const g = await makeGrant(db, { maxMessages: 5 });
    const t = await token(g);
    const first = await send(t, { to: "+15550100123", body: "once" }, { "Idempotency-Key": "abc-1" });
    const again = await send(t, { to: "+15550100123", body: "once" }, { "Idempotency-Key": "abc-1" });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await again.json()).id).toBe((await first.json()).id);
    expect(await db.message.count({ where: { grantId: g.grantId } })).toBe(1);
    const reused = await send(t, { to: "+15550100123", body: "different" }, { "Idempotency-Key": "abc-1" });
    expect(reused.status).toBe(422);
  });

  it("answers bad input with 4xx, never 500, and keeps serving (checklist 66)", async () => {
    const g = await makeGrant(db, { maxMessages: 5 });
    const t = await token(g);
    // Malformed JSON, and JSON that is not an object
    expect((await send(t, "{nope")).status).toBe(400);
    expect((await send(t, "")).status).toBe(400);
    for (const body of ["null", "[]", "123", '"text"', '[{"to":"+15550100123","body":"x"}]']) expect((await send(t, body)).status, body).toBe(400);
    // Wrong or missing content types
    expect((await send(t, { to: "+15550100123", body: "x" }, { "Content-Type": "text/plain" })).status).toBe(415);
    expect((await send(t, { to: "+15550100123", body: "x" }, { "Content-Type": "application/x-www-form-urlencoded" })).status).toBe(415);
    expect((await send(t, { to: "+15550100123", body: "x" }, { "Content-Type": "" })).status).toBe(415);
    expect((await send(t, { to: "not a number", body: "x" })).status).toBe(400);
    expect((await send(t, { to: "+15550100123", body: "" })).status).toBe(400);
    expect((await send(t, { to: "+15550100123", body: 42 })).status).toBe(400);
    // Huge bodies: a declared size, and a stream without one that the running limit cuts off
    expect((await send(t, { to: "+15550100123", body: "x".repeat(20_000) })).status).toBe(413);
    const chunk = new TextEncoder().encode("x".repeat(8_192));
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(chunk); // never closes: only the limit can end the read
      },
    });
    const streamed = await handlePostMessage(
      new Request(API, { method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${t}` }, body: endless, duplex: "half" } as RequestInit),
      ctx,
    );
    expect(streamed.status).toBe(413);
    expect(pulled).toBeLessThan(10);
    expect((await send(t, { to: "+15550100123", body: "x" }, { "Idempotency-Key": "bad key with spaces" })).status).toBe(400);
    expect(await db.message.count({ where: { grantId: g.grantId } })).toBe(0);
    // Still serving: a good request right after all of it goes through.
    expect((await send(t, { to: "+15550100123", body: "fine" })).status).toBe(201);
  });

  it("fails closed with 503 and sends nothing when the audit store is unreachable (checklist 65)", async () => {
    const g = await makeGrant(db, { maxMessages: 3 });
    const t = await token(g);
    const handedBefore = handedToProvider.length;
    const head = await db.auditHead.findUniqueOrThrow({ where: { id: 1 } });
    await db.auditHead.delete({ where: { id: 1 } });
    let res: Response;
    let denial: Response;
    try {
      res = await send(t, { to: "+15550100123", body: "x" });
      // A denial that cannot be audited is not answered as if it had been.
      denial = await send(t, { to: "+15550100199", body: "x" });
    } finally {
      await db.auditHead.create({ data: head });
    }
    for (const r of [res, denial]) {
      expect(r.status).toBe(503);
      expect(r.headers.get("retry-after")).toBe("5");
    }
    expect(handedToProvider.length).toBe(handedBefore);
    expect(await db.message.count({ where: { grantId: g.grantId } })).toBe(0);
    expect(await grantEntryLimits(db, g.grantId)).toMatchObject([{ used: 0, left: 3 }]);
    expect(await db.auditEvent.count({ where: { grantId: g.grantId } })).toBe(0);
    // With the store back, the same request goes through.
    expect((await send(t, { to: "+15550100123", body: "x" })).status).toBe(201);
    expect(handedToProvider.length).toBe(handedBefore + 1);
  });

  it("audits the denials of reads too, and answers 503 when a denial cannot be audited (checklist 61, 65)", async () => {
    const g = await makeGrant(db);
    const sent = await (await send(await token(g), { to: "+15550100123", body: "status?" })).json();
    const sendOnly = await getMessage({ Authorization: `Bearer ${await token(g, { scope: "messages:send" })}` }, sent.id);
    expect(sendOnly.status).toBe(403);
    expect(sendOnly.headers.get("www-authenticate")).toContain('scope="messages:send messages:read"');
    const reader = await token(g);
    await db.grant.update({ where: { id: g.grantId }, data: { status: "revoked", revokedAt: new Date() } });
    expect((await getMessage({ Authorization: `Bearer ${reader}` }, sent.id)).status).toBe(401);
    const denials = await db.auditEvent.findMany({ where: { grantId: g.grantId, type: "message.denied" }, orderBy: { seq: "asc" } });
    expect(denials.map((d) => [d.reason, JSON.parse(d.details).operation])).toEqual([
      ["insufficient_scope", "read"],
      ["grant_revoked", "read"],
    ]);
    // A scope denial that cannot be recorded is not answered as if it had been.
    const h = await makeGrant(db);
    const readOnly = await token(h, { scope: "messages:read" });
    const head = await db.auditHead.findUniqueOrThrow({ where: { id: 1 } });
    await db.auditHead.delete({ where: { id: 1 } });
    let res: Response;
    try {
      res = await send(readOnly, { to: "+15550100123", body: "x" });
    } finally {
      await db.auditHead.create({ data: head });
    }
    expect(res.status).toBe(503);
    expect(await db.auditEvent.count({ where: { grantId: h.grantId } })).toBe(0);
  });

  it("GET /api/messages/{id} shows a message to its grant with messages:read, and 404 to anyone else", async () => {
    const g = await makeGrant(db);
    const sent = await (await send(await token(g), { to: "+15550100123", body: "status?" })).json();
    const get = async (auth: string, id = sent.id) =>
      handleGetMessage(new Request(`${API}/${id}`, { headers: { Authorization: `Bearer ${auth}` } }), ctx, id);
    const ok = await get(await token(g));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ id: sent.id, status: "delivered" });
    const other = await makeGrant(db);
    expect((await get(await token(other))).status).toBe(404);
    expect((await get(await token(g, { scope: "messages:send" }))).status).toBe(403);
    expect((await get(await token(g), "nope")).status).toBe(404);
  });

  it("never hands a token to the provider and never prints one (checklist 64)", () => {
    expect(handedToProvider.length).toBeGreaterThan(3);
    expect(minted.length).toBeGreaterThan(10);
    const upstream = handedToProvider.join("\n");
    const output = printed.join("\n");
    for (const t of minted) {
      const signature = t.split(".")[2];
      expect(upstream).not.toContain(t);
      expect(output).not.toContain(t);
      if (!signature) continue; // alg none: nothing secret to look for
      expect(upstream).not.toContain(signature);
      expect(output).not.toContain(signature);
    }
  });
});
