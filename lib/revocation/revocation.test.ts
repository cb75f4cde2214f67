// Revocation push: a revocation committed through one database client (another instance)
// reaches a listening grant status cache, which then answers "not live" at once. The cache's
// clock never moves here, so without the push it would answer "live" forever: the push, not
// the polling bound, is what these tests see.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createDb, type Db } from "../db/client";
import { writeTransaction } from "../db";
import { testDatabases } from "../../tests/harness/databases";
import { makeGrant } from "../messaging/test-fixtures";
import { revokeGrant } from "../grants/revoke";
import { revokeAccount } from "../auth/account-revocation";
import { ADMIN_CLI_ACTOR } from "../auth/users";
import { revokeClient } from "../oauth/clients/control";
import { dbGrantStatus } from "../resource-server/db-ports";
import { GrantStatusCache } from "../resource-server/grant-status";
import { decodeRevocation, encodeRevocation, type RevocationEvent } from "./events";
import { listenForRevocations, type RevocationListener } from "./listen";

describe("revocation messages", () => {
  it("anything unreadable or oversized reads as 'forget everything'", () => {
    expect(decodeRevocation("not json")).toEqual({ kind: "all" });
    expect(decodeRevocation(JSON.stringify({ kind: "grants", ids: ["a b"] }))).toEqual({ kind: "all" });
    expect(decodeRevocation(JSON.stringify({ kind: "tokens", jtis: [42] }))).toEqual({ kind: "all" });
    expect(decodeRevocation(encodeRevocation({ kind: "grants", ids: ["g1", "g2"] }))).toEqual({ kind: "grants", ids: ["g1", "g2"] });
    const many = Array.from({ length: 400 }, (_, i) => `grant-id-number-${i}`);
    expect(decodeRevocation(encodeRevocation({ kind: "grants", ids: many }))).toEqual({ kind: "all" });
  });
});

describe.each(testDatabases())("revocation push on $name", (target) => {
  let db: Db;
  let other: Db;
  let listener: RevocationListener;
  let cache: GrantStatusCache;
  const events: RevocationEvent[] = [];
  let waiters: (() => void)[] = [];
  const nextEvent = () => new Promise<void>((resolve) => waiters.push(resolve));

  beforeAll(async () => {
    db = await target.open();
    // The revoking instance: its own client, its own connections.
    other = createDb(target.url());
    // A clock that never moves: cached answers never age out.
    cache = new GrantStatusCache(dbGrantStatus(db), 500, () => 0);
    listener = listenForRevocations({
      databaseUrl: target.url(),
      name: "test",
      log: () => undefined,
      onEvent: (event) => {
        events.push(event);
        cache.invalidate(event);
        const w = waiters;
        waiters = [];
        w.forEach((resolve) => resolve());
      },
    });
    await listener.ready;
  });
  afterAll(async () => {
    await listener.stop();
    await other.$disconnect();
    await target.close();
  });

  it("checklist 207: a grant revoked at another instance is denied by this instance's cache as soon as the commit is announced", async () => {
    const g = await makeGrant(db);
    expect((await cache.get(g.grantId, "jti-1")).live).toBe(true);
    const pushed = nextEvent();
    await writeTransaction(other, (tx) => revokeGrant(tx, g.grantId, "test", { type: "user", id: g.userId }));
    await pushed;
    expect(events.at(-1)).toEqual({ kind: "grants", ids: [g.grantId] });
    expect(await cache.get(g.grantId, "jti-1")).toMatchObject({ live: false, reason: "grant_revoked" });
  });

  it("checklist 207: a rolled-back revocation announces nothing", async () => {
    const g = await makeGrant(db);
    const before = events.length;
    await expect(
      writeTransaction(other, async (tx) => {
        await revokeGrant(tx, g.grantId, "test", { type: "user", id: g.userId });
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    // A later announcement arrives; the rolled-back one never did.
    const g2 = await makeGrant(db);
    const pushed = nextEvent();
    await writeTransaction(other, (tx) => revokeGrant(tx, g2.grantId, "test", { type: "user", id: g2.userId }));
    await pushed;
    expect(events.slice(before)).toEqual([{ kind: "grants", ids: [g2.grantId] }]);
    expect((await cache.get(g.grantId, undefined)).live).toBe(true);
  });

  it("checklist 207: revoking a client or an account makes every cache forget everything", async () => {
    const a = await makeGrant(db);
    const b = await makeGrant(db);
    expect((await cache.get(a.grantId, undefined)).live).toBe(true);
    expect((await cache.get(b.grantId, undefined)).live).toBe(true);
    let pushed = nextEvent();
    await revokeClient(other, a.clientId, ADMIN_CLI_ACTOR, new Date());
    await pushed;
    expect(events.at(-1)).toEqual({ kind: "all" });
    expect(await cache.get(a.grantId, undefined)).toMatchObject({ live: false });
    const email = (await db.user.findUniqueOrThrow({ where: { id: b.userId } })).email;
    pushed = nextEvent();
    await revokeAccount(other, email, ADMIN_CLI_ACTOR);
    await pushed;
    expect(await cache.get(b.grantId, undefined)).toMatchObject({ live: false });
  });

  it("checklist 207: an access token revoked by jti is forgotten under that jti", async () => {
    const g = await makeGrant(db);
    const jti = `jti-${Date.now()}`;
    await db.issuedToken.create({ data: { jti, clientId: g.clientId, grantId: g.grantId, expiresAt: new Date(Date.now() + 60_000) } });
    expect((await cache.get(g.grantId, jti)).live).toBe(true);
    const pushed = nextEvent();
    // What lib/oauth/revocation.ts does for an access token, through the same announcement.
    const { announceRevocation } = await import("./announce");
    await writeTransaction(other, async (tx) => {
      await tx.issuedToken.update({ where: { jti }, data: { revokedAt: new Date() } });
      await announceRevocation(tx, { kind: "tokens", jtis: [jti] });
    });
    await pushed;
    expect(await cache.get(g.grantId, jti)).toMatchObject({ live: false, reason: "token_revoked" });
  });

  it.runIf(target.name === "postgresql")("checklist 207: a dropped LISTEN connection reconnects and forgets everything, since it may have missed revocations", async () => {
    const pushed = nextEvent();
    const admin = new pg.Client({ connectionString: target.url() });
    await admin.connect();
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'agent-grants listen test'`);
    await admin.end();
    await pushed;
    expect(events.at(-1)).toEqual({ kind: "all" });
  });
});
