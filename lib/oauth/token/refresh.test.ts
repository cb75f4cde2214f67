import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../../db/client";
import { writeTransaction } from "../../db";
import { revokeGrant } from "../../grants";
import { testDatabases } from "../../../tests/harness/databases";
import { testDeps, type TestDeps } from "../../../tests/harness/test-deps";
import { decodeJwt } from "jose";
import { parseAuditFilter } from "../../audit/filter";
import { queryAudit } from "../../audit/query";
import { hashClientSecret } from "../clients/secrets";
import { eraseExpiredSuccessors } from "../tokens/refresh-token";
import { handleToken, tokenEndpointUrl } from "./handle";
import { formRequest, json, makeClient, makeCode, makeDpopKey, makeGrant, makeUser, REDIRECT_URI, type DpopKey } from "./test-fixtures";

describe.each(testDatabases())("token endpoint, refresh_token, on $name", (target) => {
  let db: Db;
  let deps: TestDeps;
  let userId: string;
  let clientId: string;
  let url: string;

  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());
  beforeEach(async () => {
    deps = testDeps(db);
    url = tokenEndpointUrl(deps);
    userId = await makeUser(db);
    clientId = (await makeClient(db)).id;
  });

  /** Runs the code flow and returns the first token response. */
  async function start(o: { dpop?: DpopKey; expiresInSeconds?: number; client?: { id: string; secret?: string } } = {}) {
    const client = o.client ?? { id: clientId };
    const grant = await makeGrant(deps, { userId, clientId: client.id, resource: deps.config.mcpResourceUrl, expiresInSeconds: o.expiresInSeconds });
    const { code, verifier } = await makeCode(deps, { grantId: grant.id, clientId: client.id, resource: deps.config.mcpResourceUrl });
    const params: Record<string, string> = { grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: REDIRECT_URI };
    if (!client.secret) params.client_id = client.id;
    const res = await handleToken(
      formRequest(url, params, { dpop: o.dpop ? await o.dpop.proof() : undefined, basic: client.secret ? { id: client.id, secret: client.secret } : undefined }),
      deps,
    );
    expect(res.status).toBe(200);
    return { grant, body: await json(res) };
  }

  const refresh = async (token: unknown, extra: Record<string, string> = {}, o: { dpop?: DpopKey; client?: string; basic?: { id: string; secret: string } } = {}) =>
    handleToken(
      formRequest(url, { grant_type: "refresh_token", refresh_token: String(token), ...(o.basic ? {} : { client_id: o.client ?? clientId }), ...extra }, { dpop: o.dpop ? await o.dpop.proof() : undefined, basic: o.basic }),
      deps,
    );

  const auditOf = async (grantId: string) => db.auditEvent.findMany({ where: { grantId }, orderBy: { seq: "asc" } });
  const liveRefreshTokens = (grantId: string) => db.refreshToken.count({ where: { grantId, rotatedAt: null, revokedAt: null } });
  const grantStatus = async (grantId: string) => (await db.grant.findUniqueOrThrow({ where: { id: grantId } })).status;

  /** Past the leeway, as configured in the test deps. */
  const pastLeeway = () => deps.advance(deps.config.refreshReuseLeewaySeconds + 1);

  /** The grant is revoked with every token it produced, and the reuse is on the record. */
  async function expectRevokedForReuse(grantId: string) {
    expect(await grantStatus(grantId)).toBe("revoked");
    expect((await db.issuedToken.findMany({ where: { grantId } })).every((t) => t.revokedAt)).toBe(true);
    expect(await db.refreshToken.count({ where: { grantId, revokedAt: null } })).toBe(0);
    const reuse = (await auditOf(grantId)).filter((a) => a.type === "token.refresh_reuse_detected");
    expect(reuse).toHaveLength(1);
    expect(reuse[0]?.outcome).toBe("denied");
    expect((await auditOf(grantId)).map((a) => a.type)).toContain("grant.revoked");
  }

  async function expectError(res: Response, error: string) {
    expect(res.status).toBe(400);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect((await json(res)).error).toBe(error);
  }

  it("rotates the refresh token on every use", async () => {
    const { body } = await start();
    const res = await refresh(body.refresh_token);
    expect(res.status).toBe(200);
    const next = await json(res);
    expect(next.refresh_token).not.toBe(body.refresh_token);
    expect(next.access_token).not.toBe(body.access_token);
    expect((await refresh(next.refresh_token)).status).toBe(200);
  });

  it("answers reuse of a rotated token after the leeway with invalid_grant and revokes the whole grant (checklist 39)", async () => {
    const { body, grant } = await start();
    const next = await json(await refresh(body.refresh_token));
    pastLeeway();
    await expectError(await refresh(body.refresh_token), "invalid_grant");
    await expectRevokedForReuse(grant.id);
    // checklist 39: every refresh token of the grant is dead, the successor included.
    await expectError(await refresh(next.refresh_token), "invalid_grant");
    const reuse = (await auditOf(grant.id)).find((a) => a.type === "token.refresh_reuse_detected")!;
    expect(reuse.reason).toMatch(/outside the 30 s leeway/);
  });

  it("revokes the grant when a rotated token comes back inside the leeway after its successor was used (checklist 171)", async () => {
    const { body, grant } = await start();
    const second = await json(await refresh(body.refresh_token));
    const third = await json(await refresh(second.refresh_token));
    expect(third.refresh_token).not.toBe(second.refresh_token);
    deps.advance(1); // well inside the leeway
    await expectError(await refresh(body.refresh_token), "invalid_grant");
    await expectRevokedForReuse(grant.id);
    await expectError(await refresh(third.refresh_token), "invalid_grant");
    expect((await auditOf(grant.id)).find((a) => a.type === "token.refresh_reuse_detected")!.reason).toMatch(/after its successor was used/);
  });

  // checklist 40: the policy is documented at the top of lib/oauth/token/refresh.ts and in the README.
  it("gives ten parallel refreshes of one token one successor between them: the same refresh token in all ten answers, one live refresh token (checklist 40)", async () => {
    const { body, grant } = await start();
    const results = await Promise.all(Array.from({ length: 10 }, () => refresh(body.refresh_token)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    const bodies = await Promise.all(results.map(json));
    expect(new Set(bodies.map((b) => b.refresh_token)).size).toBe(1);
    expect(bodies[0]?.refresh_token).not.toBe(body.refresh_token);
    expect(await liveRefreshTokens(grant.id)).toBe(1);
    expect(await db.refreshToken.count({ where: { grantId: grant.id } })).toBe(2);
    expect(await grantStatus(grant.id)).toBe("active");
    // Ten access tokens, all for this grant; one rotation and nine replays on the record.
    expect(new Set(bodies.map((b) => b.access_token)).size).toBe(10);
    const types = (await auditOf(grant.id)).map((a) => a.type);
    expect(types.filter((t) => t === "token.refreshed")).toHaveLength(1);
    expect(types.filter((t) => t === "token.refresh_replayed_within_leeway")).toHaveLength(9);
    expect((await refresh(bodies[0]!.refresh_token)).status).toBe(200);
  });

  it("answers a retried refresh inside the leeway with the identical successor and an access token for the same grant (checklist 170)", async () => {
    const { body, grant } = await start();
    const first = await json(await refresh(body.refresh_token));
    deps.advance(12);
    const res = await refresh(body.refresh_token);
    expect(res.status).toBe(200);
    const retry = await json(res);
    expect(retry.refresh_token).toBe(first.refresh_token);
    expect(retry.access_token).not.toBe(first.access_token);
    expect(decodeJwt(String(retry.access_token)).grant_id).toBe(grant.id);
    expect(retry.scope).toBe(first.scope);
    expect(retry.authorization_details).toEqual(first.authorization_details);
    expect(await liveRefreshTokens(grant.id)).toBe(1);
    expect(await grantStatus(grant.id)).toBe("active");
    const replayed = (await auditOf(grant.id)).filter((a) => a.type === "token.refresh_replayed_within_leeway");
    expect(replayed).toHaveLength(1);
    expect(replayed[0]?.outcome).toBe("info");
    expect(JSON.parse(replayed[0]!.details)).toMatchObject({ seconds_since_rotation: 12, leeway_seconds: 30 });
    // The successor works once; then the old token, even inside the leeway, is reuse.
    const next = await json(await refresh(first.refresh_token));
    expect(next.refresh_token).toEqual(expect.any(String));
    await expectError(await refresh(body.refresh_token), "invalid_grant");
    await expectRevokedForReuse(grant.id);
  });

  it("forgives a retry with the same DPoP key, and a confidential client's retry authenticated the same way (checklist 170)", async () => {
    const key = await makeDpopKey(deps, url);
    const bound = await start({ dpop: key });
    const first = await json(await refresh(bound.body.refresh_token, {}, { dpop: key }));
    const retry = await json(await refresh(bound.body.refresh_token, {}, { dpop: key }));
    expect(retry.refresh_token).toBe(first.refresh_token);
    expect(retry.token_type).toBe("DPoP");
    expect(decodeJwt(String(retry.access_token)).cnf).toEqual({ jkt: key.jkt });

    const confidential = await makeClient(db, { secret: "s".repeat(43) });
    const basic = { id: confidential.id, secret: confidential.secret! };
    const c = await start({ client: confidential });
    const a = await json(await refresh(c.body.refresh_token, {}, { basic }));
    const b = await json(await refresh(c.body.refresh_token, {}, { basic }));
    expect(b.refresh_token).toBe(a.refresh_token);
    expect(await liveRefreshTokens(c.grant.id)).toBe(1);
  });

  it("refuses a rotated token replayed by another client or another DPoP key, records it, and leaves the owner's successor working (checklist 172)", async () => {
    const key = await makeDpopKey(deps, url);
    const thiefKey = await makeDpopKey(deps, url);
    const thief = await makeClient(db);
    const { body, grant } = await start({ dpop: key });
    const successor = await json(await refresh(body.refresh_token, {}, { dpop: key }));
    // Inside the leeway and after it: neither another client nor another key gets anything.
    await expectError(await refresh(body.refresh_token, {}, { client: thief.id, dpop: key }), "invalid_grant");
    await expectError(await refresh(body.refresh_token, {}, { dpop: thiefKey }), "invalid_grant");
    pastLeeway();
    await expectError(await refresh(body.refresh_token, {}, { dpop: thiefKey }), "invalid_grant");
    await expectError(await refresh(body.refresh_token), "invalid_grant");
    expect(await grantStatus(grant.id)).toBe("active");
    const entries = (await auditOf(grant.id)).filter((a) => a.type === "token.refresh_binding_mismatch");
    expect(entries.map((e) => e.reason)).toEqual([
      "refresh token presented by another client",
      "DPoP-bound refresh token presented with another key",
      "DPoP-bound refresh token presented with another key",
      "DPoP-bound refresh token presented without a DPoP proof",
    ]);
    expect(entries.every((e) => e.outcome === "denied")).toBe(true);
    expect(entries[0]?.clientId).toBe(thief.id);
    expect((await auditOf(grant.id)).map((a) => a.type)).not.toContain("token.refresh_reuse_detected");
    const next = await refresh(successor.refresh_token, {}, { dpop: key });
    expect(next.status).toBe(200);
    expect(await liveRefreshTokens(grant.id)).toBe(1);
  });

  it("applies the leeway only to the client authenticating as it did at the rotation, and not at all when it is 0 (checklist 173)", async () => {
    // The client re-registered with another authentication method between rotation and retry.
    const { body, grant } = await start();
    await refresh(body.refresh_token);
    await db.client.update({ where: { id: clientId }, data: { tokenEndpointAuthMethod: "client_secret_post", secretHash: hashClientSecret("p".repeat(43)) } });
    await expectError(await refresh(body.refresh_token, { client_secret: "p".repeat(43) }), "invalid_grant");
    await expectRevokedForReuse(grant.id);
    expect((await auditOf(grant.id)).find((a) => a.type === "token.refresh_reuse_detected")!.reason).toMatch(/authenticating another way/);

    clientId = (await makeClient(db)).id;
    deps = testDeps(db, { refreshReuseLeewaySeconds: 0 });
    const off = await start();
    const next = await json(await refresh(off.body.refresh_token));
    expect(await db.refreshToken.count({ where: { grantId: off.grant.id, successorSealed: { not: null } } })).toBe(0);
    await expectError(await refresh(off.body.refresh_token), "invalid_grant");
    await expectRevokedForReuse(off.grant.id);
    await expectError(await refresh(next.refresh_token), "invalid_grant");
  });

  it("keeps the successor only sealed, bound to its row, and erases it once the successor is used or the leeway is over (checklist 174)", async () => {
    const { body, grant } = await start();
    const first = await json(await refresh(body.refresh_token));
    const old = await db.refreshToken.findFirstOrThrow({ where: { grantId: grant.id, rotatedAt: { not: null } } });
    const stored = JSON.stringify(await db.refreshToken.findMany({ where: { grantId: grant.id } }));
    expect(stored).not.toContain(String(first.refresh_token));
    expect(stored).not.toContain(String(first.refresh_token).slice(3));
    expect(old.successorSealed).toMatch(/^v1\./);
    // A sealed successor copied onto another row does not open there: that replay is reuse.
    const other = await start();
    await refresh(other.body.refresh_token);
    await db.refreshToken.updateMany({ where: { grantId: other.grant.id, rotatedAt: { not: null } }, data: { successorSealed: old.successorSealed } });
    await expectError(await refresh(other.body.refresh_token), "invalid_grant");
    await expectRevokedForReuse(other.grant.id);
    // Using the successor erases the seal.
    await refresh(first.refresh_token);
    expect((await db.refreshToken.findUniqueOrThrow({ where: { id: old.id } })).successorSealed).toBeNull();
    // The background sweep erases seals whose leeway is over, and only those.
    const third = await start();
    await refresh(third.body.refresh_token);
    const sealed = () => db.refreshToken.count({ where: { grantId: third.grant.id, successorSealed: { not: null } } });
    await eraseExpiredSuccessors(deps);
    expect(await sealed()).toBe(1);
    pastLeeway();
    expect(await eraseExpiredSuccessors(deps)).toBeGreaterThanOrEqual(1);
    expect(await db.refreshToken.count({ where: { grantId: third.grant.id, successorSealed: { not: null } } })).toBe(0);
  });

  it("lets the auditor console filter each refresh case by its own event type (checklist 175)", async () => {
    const { body, grant } = await start();
    const thief = await makeClient(db);
    await refresh(body.refresh_token);
    await refresh(body.refresh_token);
    await refresh(body.refresh_token, {}, { client: thief.id });
    pastLeeway();
    await refresh(body.refresh_token);
    for (const [type, outcome] of [
      ["token.refreshed", "success"],
      ["token.refresh_replayed_within_leeway", "info"],
      ["token.refresh_binding_mismatch", "denied"],
      ["token.refresh_reuse_detected", "denied"],
    ] as const) {
      const filter = parseAuditFilter(new URLSearchParams({ grant: grant.id, type }));
      const page = await queryAudit(db, filter);
      expect(page.entries.map((e) => [e.type, e.outcome])).toEqual([[type, outcome]]);
    }
  });

  it("never leaves a live token when a refresh races the grant's revocation", async () => {
    const { body, grant } = await start();
    const [res] = await Promise.all([
      refresh(body.refresh_token),
      writeTransaction(db, (tx) => revokeGrant(tx, grant.id, "user revoked", { type: "user", id: userId }, deps.now())),
    ]);
    expect([200, 400]).toContain(res.status);
    const tokens = await db.issuedToken.findMany({ where: { grantId: grant.id } });
    expect(tokens.every((t) => t.revokedAt)).toBe(true);
    expect(await db.refreshToken.count({ where: { grantId: grant.id, revokedAt: null } })).toBe(0);
    if (res.status === 200) await expectError(await refresh((await json(res)).refresh_token), "invalid_grant");
  });

  it("refuses to widen the scope, authorization details or resource (checklist 41)", async () => {
    const { body } = await start();
    await expectError(await refresh(body.refresh_token, { scope: "messages:send admin" }), "invalid_scope");
    const wider = [{ type: "messaging", actions: ["send"], recipients: ["+15550100199"], max_messages: 3 }];
    await expectError(await refresh(body.refresh_token, { authorization_details: JSON.stringify(wider) }), "invalid_authorization_details");
    const more = [{ type: "messaging", actions: ["send"], recipients: ["+15550100123"], max_messages: 4 }];
    await expectError(await refresh(body.refresh_token, { authorization_details: JSON.stringify(more) }), "invalid_authorization_details");
    await expectError(await refresh(body.refresh_token, { resource: deps.config.messagingResourceUrl }), "invalid_target");
    // None of those used up the token.
    expect((await refresh(body.refresh_token)).status).toBe(200);
  });

  it("allows narrowing the access token while the refresh token keeps its scope", async () => {
    const { body } = await start();
    const narrow = [{ type: "messaging", actions: ["send"], recipients: ["+15550100123"], max_messages: 1 }];
    const res = await refresh(body.refresh_token, { scope: "messages:send", authorization_details: JSON.stringify(narrow) });
    expect(res.status).toBe(200);
    const next = await json(res);
    expect(next.scope).toBe("messages:send");
    expect(next.authorization_details).toEqual(narrow);
    const again = await json(await refresh(next.refresh_token));
    expect(again.scope).toBe("messages:send messages:read");
  });

  it("rejects another client's refresh token without revoking anything (checklist 42)", async () => {
    const { body, grant } = await start();
    const other = await makeClient(db);
    await expectError(await refresh(body.refresh_token, {}, { client: other.id }), "invalid_grant");
    expect((await db.grant.findUniqueOrThrow({ where: { id: grant.id } })).status).toBe("active");
    expect((await refresh(body.refresh_token)).status).toBe(200);
  });

  it("requires the same DPoP key for a bound refresh token (checklist 43)", async () => {
    const key = await makeDpopKey(deps, url);
    const other = await makeDpopKey(deps, url);
    const { body, grant } = await start({ dpop: key });
    await expectError(await refresh(body.refresh_token), "invalid_grant");
    await expectError(await refresh(body.refresh_token, {}, { dpop: other }), "invalid_grant");
    // A wrong key is not a reuse: the grant survives and the right key still works.
    expect((await db.grant.findUniqueOrThrow({ where: { id: grant.id } })).status).toBe("active");
    const res = await refresh(body.refresh_token, {}, { dpop: key });
    expect(res.status).toBe(200);
    const next = await json(res);
    expect(next.token_type).toBe("DPoP");
    expect((await db.refreshToken.findFirstOrThrow({ where: { grantId: grant.id, rotatedAt: null } })).dpopJkt).toBe(key.jkt);
  });

  it("does not bind a confidential client's refresh token to its DPoP key", async () => {
    const confidential = await makeClient(db, { secret: "s".repeat(43) });
    const key = await makeDpopKey(deps, url);
    const { grant } = await start({ client: confidential, dpop: key });
    expect((await db.refreshToken.findFirstOrThrow({ where: { grantId: grant.id } })).dpopJkt).toBeNull();
  });

  it("rejects an expired refresh token (checklist 44)", async () => {
    const { body } = await start();
    deps.advance(deps.config.refreshTokenTtlSeconds + 1);
    await expectError(await refresh(body.refresh_token), "invalid_grant");
  });

  it("rejects a refresh token whose grant expired or was revoked (checklist 44)", async () => {
    const { body } = await start({ expiresInSeconds: 120 });
    deps.advance(121);
    await expectError(await refresh(body.refresh_token), "invalid_grant");
    const second = await start();
    await db.grant.update({ where: { id: second.grant.id }, data: { status: "revoked" } });
    await expectError(await refresh(second.body.refresh_token), "invalid_grant");
    // checklist 44: a grant revoked the way the dashboard revokes it (revokeGrant), and the grant survives as revoked.
    const third = await start();
    await writeTransaction(db, (tx) => revokeGrant(tx, third.grant.id, "user revoked", { type: "user", id: userId }, deps.now()));
    await expectError(await refresh(third.body.refresh_token), "invalid_grant");
    expect((await db.grant.findUniqueOrThrow({ where: { id: third.grant.id } })).status).toBe("revoked");
    expect(await db.refreshToken.count({ where: { grantId: third.grant.id, rotatedAt: null, revokedAt: null } })).toBe(0);
  });

  it("caps refreshed tokens at the grant's expiry", async () => {
    const { body, grant } = await start({ expiresInSeconds: 700 });
    deps.advance(400);
    const next = await json(await refresh(body.refresh_token));
    expect(next.expires_in).toBe(300);
    const row = await db.refreshToken.findFirstOrThrow({ where: { grantId: grant.id, rotatedAt: null } });
    expect(row.expiresAt.getTime()).toBe(grant.expiresAt.getTime());
  });

  it("rejects unknown and malformed refresh tokens", async () => {
    await expectError(await refresh("rt_unknown"), "invalid_grant");
    await expectError(await refresh("x".repeat(5000)), "invalid_grant");
  });
});
