import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../../db/client";
import { writeTransaction } from "../../db";
import { revokeGrant } from "../../grants";
import { testDatabases } from "../../../tests/harness/databases";
import { testDeps, type TestDeps } from "../../../tests/harness/test-deps";
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

  const refresh = async (token: unknown, extra: Record<string, string> = {}, o: { dpop?: DpopKey; client?: string } = {}) =>
    handleToken(
      formRequest(url, { grant_type: "refresh_token", refresh_token: String(token), client_id: o.client ?? clientId, ...extra }, { dpop: o.dpop ? await o.dpop.proof() : undefined }),
      deps,
    );

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

  it("answers reuse of a rotated token with invalid_grant and revokes the whole grant (checklist 39)", async () => {
    const { body, grant } = await start();
    const next = await json(await refresh(body.refresh_token));
    await expectError(await refresh(body.refresh_token), "invalid_grant");
    expect((await db.grant.findUniqueOrThrow({ where: { id: grant.id } })).status).toBe("revoked");
    await expectError(await refresh(next.refresh_token), "invalid_grant");
    expect((await db.issuedToken.findMany({ where: { grantId: grant.id } })).every((t) => t.revokedAt)).toBe(true);
    // checklist 39: every refresh token of the grant is dead, the successor included.
    expect(await db.refreshToken.count({ where: { grantId: grant.id, revokedAt: null } })).toBe(0);
    const types = (await db.auditEvent.findMany({ where: { grantId: grant.id } })).map((a) => a.type);
    expect(types).toEqual(expect.arrayContaining(["token.refreshed", "refresh.reuse_detected", "grant.revoked"]));
  });

  // checklist 40: the policy is documented at the top of lib/oauth/token/refresh.ts (one request per refresh token, no grace period).
  it("lets one of two parallel refreshes win and treats the other as reuse, revoking the grant (checklist 40, strict policy)", async () => {
    const { body, grant } = await start();
    const results = await Promise.all([refresh(body.refresh_token), refresh(body.refresh_token)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    expect((await json(results.find((r) => r.status === 400)!)).error).toBe("invalid_grant");
    const winner = await json(results.find((r) => r.status === 200)!);
    expect((await db.grant.findUniqueOrThrow({ where: { id: grant.id } })).status).toBe("revoked");
    await expectError(await refresh(winner.refresh_token), "invalid_grant");
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
