import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db";
import { testDatabases } from "../../tests/harness/databases";
import { makeGrant } from "../messaging/test-fixtures";
import { dbGrantStatus } from "./db-ports";
import { GrantStatusCache, readGrantStatus } from "./grant-status";

describe.each(testDatabases())("grant status for resource servers on $name", (target) => {
  let db: Db;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());

  it("serves a cached answer for at most maxAgeMs, then sees the revocation (checklist 63)", async () => {
    const g = await makeGrant(db);
    let clock = 1_000_000;
    const cache = new GrantStatusCache(dbGrantStatus(db), 500, () => clock);
    expect((await cache.get(g.grantId, undefined, new Date())).live).toBe(true);
    await db.grant.update({ where: { id: g.grantId }, data: { status: "revoked" } });
    clock += 499;
    expect((await cache.get(g.grantId, undefined, new Date())).live).toBe(true);
    clock += 1;
    expect(await cache.get(g.grantId, undefined, new Date())).toMatchObject({ live: false, reason: "grant_revoked" });
  });

  it("refuses to be configured more than one second stale (checklist 63)", () => {
    expect(() => new GrantStatusCache(dbGrantStatus(db), 1500)).toThrow(/one second/);
  });

  it("reports a revoked token, a disabled account and an expired or revoked parent grant", async () => {
    const g = await makeGrant(db);
    await db.issuedToken.create({ data: { jti: `jti-${g.grantId}`, grantId: g.grantId, clientId: g.clientId, expiresAt: new Date(Date.now() + 60_000), revokedAt: new Date() } });
    expect(await readGrantStatus(db, g.grantId, `jti-${g.grantId}`, new Date())).toMatchObject({ live: false, reason: "token_revoked" });
    const root = await makeGrant(db);
    const child = await makeGrant(db, { parentGrantId: root.grantId, userId: root.userId, clientId: root.clientId, maxMessages: 9 });
    expect(await readGrantStatus(db, child.grantId, undefined, new Date())).toMatchObject({
      live: true,
      rootGrantId: root.grantId,
      chain: [
        { id: child.grantId, entries: [{ position: 0, maxMessages: 9, used: 0 }] },
        { id: root.grantId, entries: [{ position: 0, maxMessages: 2, used: 0 }] },
      ],
    });
    await db.grant.update({ where: { id: root.grantId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await readGrantStatus(db, child.grantId, undefined, new Date())).toMatchObject({ live: false, reason: "grant_expired" });
    const other = await makeGrant(db);
    await db.user.update({ where: { id: other.userId }, data: { disabledAt: new Date() } });
    expect(await readGrantStatus(db, other.grantId, undefined, new Date())).toMatchObject({ live: false, reason: "account_disabled" });
    expect(await readGrantStatus(db, "no-such-grant", undefined, new Date())).toMatchObject({ live: false, reason: "grant_not_found" });
  });

  it("counts this process's spend into the cached answer (the next early quota answer sees it) and still expires it after maxAgeMs", async () => {
    const root = await makeGrant(db, { maxMessages: 2 });
    const child = await makeGrant(db, { parentGrantId: root.grantId, userId: root.userId, clientId: root.clientId, maxMessages: 9 });
    let clock = 2_000_000;
    const cache = new GrantStatusCache(dbGrantStatus(db), 500, () => clock);
    await cache.get(child.grantId, "jti-a", new Date());
    cache.recordSpend(child.grantId, "+15550100123");
    // The database still says 0 used: the cached answer now says what the messaging API spent.
    const cached = await cache.get(child.grantId, "jti-a", new Date());
    expect(cached.live && cached.chain.map((g) => g.entries[0]?.used)).toEqual([1, 1]);
    await db.grant.update({ where: { id: root.grantId }, data: { status: "revoked" } });
    clock += 500;
    expect(await cache.get(child.grantId, "jti-a", new Date())).toMatchObject({ live: false, reason: "grant_revoked" });
  });
});
