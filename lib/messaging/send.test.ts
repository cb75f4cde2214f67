import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessagingDetail } from "../authorization-details";
import type { Db } from "../db";
import { grantEntryLimits } from "../grants/entries";
import { countingDb } from "../../tests/harness/counting-db";
import { testDatabases } from "../../tests/harness/databases";
import { GrantStatusCache } from "../resource-server/grant-status";
import { dbGrantStatus } from "../resource-server/db-ports";
import { acceptMessage } from "./accept";
import { MessagingDenial } from "./policy";
import { sandboxProvider } from "./providers/sandbox";
import { sendMessage } from "./send";
import { makeGrant, testDeps } from "./test-fixtures";

const actor = { type: "service" as const, id: "mcp-server" };
const A = "+15550100123";
const B = "+15550100999";
const entry = (recipients: string[], max?: number): MessagingDetail => ({ type: "messaging", actions: ["send"], recipients, ...(max === undefined ? {} : { max_messages: max }) });

describe.each(testDatabases())("sending messages on $name", (target) => {
  let db: Db;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());

  it("writes the message, spends one message of its entry and audits queued then delivered", async () => {
    const g = await makeGrant(db, { maxMessages: 2 });
    const deps = testDeps(db);
    const { message } = await sendMessage(deps, sandboxProvider(), { grantId: g.grantId, recipient: "+15550100123", body: "Running late", actor });
    expect(message.status).toBe("delivered");
    expect(message.providerMessageId).toBe(`sandbox_${message.id}`);
    expect(await grantEntryLimits(db, g.grantId)).toMatchObject([{ used: 1, left: 1 }]);
    const events = await db.auditEvent.findMany({ where: { grantId: g.grantId }, orderBy: { seq: "asc" } });
    expect(events.map((e) => e.type)).toEqual(["message.queued", "message.attempted", "message.delivered"]);
    expect(events.map((e) => e.details).join(" ")).not.toContain("Running late");
  });

  it("never sends more than the quota, even when many sends run at once", async () => {
    const g = await makeGrant(db, { maxMessages: 3 });
    const deps = testDeps(db);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => sendMessage(deps, sandboxProvider(), { grantId: g.grantId, recipient: "+15550100123", body: `m${i}`, actor })),
    );
    const ok = results.filter((r) => r.status === "fulfilled");
    const denied = results.filter((r) => r.status === "rejected" && r.reason instanceof MessagingDenial && r.reason.code === "quota_exhausted");
    expect(ok).toHaveLength(3);
    expect(denied).toHaveLength(7);
    expect(await db.message.count({ where: { grantId: g.grantId } })).toBe(3);
    expect(await grantEntryLimits(db, g.grantId)).toMatchObject([{ used: 3, left: 0 }]);
  });

  it("checklist 100: each entry is its own budget: a second send to a max_messages 1 recipient is denied while the other entry still sends 5", async () => {
    const g = await makeGrant(db, { details: [entry([A], 1), entry([B], 5)] });
    const deps = testDeps(db);
    const send = (to: string, body: string) => sendMessage(deps, sandboxProvider(), { grantId: g.grantId, recipient: to, body, actor });
    await send(A, "a1");
    await expect(send(A, "a2")).rejects.toMatchObject({ code: "quota_exhausted", limit: "max_messages", details: { recipient: A } });
    for (let i = 0; i < 5; i++) await send(B, `b${i}`);
    await expect(send(B, "b5")).rejects.toMatchObject({ code: "quota_exhausted" });
    expect(await db.message.count({ where: { grantId: g.grantId, recipient: A } })).toBe(1);
    expect(await db.message.count({ where: { grantId: g.grantId, recipient: B } })).toBe(5);
    expect(await grantEntryLimits(db, g.grantId)).toMatchObject([
      { entry: 0, max_messages: 1, used: 1, left: 0 },
      { entry: 1, max_messages: 5, used: 5, left: 0 },
    ]);
  });

  it("checklist 101: an entry without max_messages leaves only its own recipients unlimited", async () => {
    const g = await makeGrant(db, { details: [entry([A]), entry([B], 2)] });
    const deps = testDeps(db);
    const send = (to: string, body: string) => sendMessage(deps, sandboxProvider(), { grantId: g.grantId, recipient: to, body, actor });
    for (let i = 0; i < 12; i++) await send(A, `a${i}`);
    await send(B, "b1");
    await send(B, "b2");
    await expect(send(B, "b3")).rejects.toMatchObject({ code: "quota_exhausted", details: { recipient: B } });
    await send(A, "still unlimited");
    expect(await grantEntryLimits(db, g.grantId)).toEqual([
      { entry: 0, recipients: [A], used: 13 },
      { entry: 1, recipients: [B], max_messages: 2, used: 2, left: 0 },
    ]);
  });

  it("checklist 103: a recipient in an unlimited and a limited entry spends nothing from the limited one; otherwise the first listed entry with a message left", async () => {
    const unlimitedFirst = await makeGrant(db, { details: [entry([A, B], 1), entry([A])] });
    const deps = testDeps(db);
    const send = (grantId: string, to: string) => sendMessage(deps, sandboxProvider(), { grantId, recipient: to, body: "x", actor });
    for (let i = 0; i < 3; i++) await send(unlimitedFirst.grantId, A);
    await send(unlimitedFirst.grantId, B); // the limited entry's one message was kept for B
    expect(await grantEntryLimits(db, unlimitedFirst.grantId)).toEqual([
      { entry: 0, recipients: [A, B], max_messages: 1, used: 1, left: 0 },
      { entry: 1, recipients: [A], used: 3 },
    ]);

    const overlapping = await makeGrant(db, { details: [entry([A], 1), entry([A, B], 2)] });
    await send(overlapping.grantId, A); // entry 0, listed first
    await send(overlapping.grantId, A); // entry 0 is spent: entry 1
    expect(await grantEntryLimits(db, overlapping.grantId)).toMatchObject([{ used: 1, left: 0 }, { used: 1, left: 1 }]);
    await send(overlapping.grantId, B);
    await expect(send(overlapping.grantId, A)).rejects.toMatchObject({ code: "quota_exhausted" });
  });

  it("checklist 102: 20 parallel sends against max_messages 3 spend exactly 3, and never from the other entry", async () => {
    const g = await makeGrant(db, { details: [entry([A], 3), entry([B], 5)] });
    const deps = testDeps(db);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => sendMessage(deps, sandboxProvider(), { grantId: g.grantId, recipient: A, body: `p${i}`, actor })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
    const denied = results.filter((r) => r.status === "rejected" && r.reason instanceof MessagingDenial && r.reason.code === "quota_exhausted");
    expect(denied).toHaveLength(17);
    expect(await db.message.count({ where: { grantId: g.grantId } })).toBe(3);
    expect(await db.auditEvent.count({ where: { grantId: g.grantId, type: "message.queued" } })).toBe(3);
    expect(await grantEntryLimits(db, g.grantId)).toMatchObject([{ used: 3, left: 0 }, { used: 0, left: 5 }]);
  });

  it("spends from an entry of every grant on a token-exchange chain and files the message under the root grant", async () => {
    const root = await makeGrant(db, { maxMessages: 1 });
    const child = await makeGrant(db, { maxMessages: 5, parentGrantId: root.grantId, userId: root.userId, clientId: root.clientId });
    const deps = testDeps(db);
    const { message } = await sendMessage(deps, sandboxProvider(), { grantId: child.grantId, recipient: "+15550100123", body: "hi", actor });
    expect(message.grantId).toBe(root.grantId);
    await expect(acceptMessage(deps, { grantId: child.grantId, recipient: "+15550100123", body: "again", actor })).rejects.toMatchObject({ code: "quota_exhausted", limit: "max_messages" });
    expect(await grantEntryLimits(db, child.grantId)).toMatchObject([{ used: 1, left: 4 }]);
    expect(await grantEntryLimits(db, root.grantId)).toMatchObject([{ used: 1, left: 0 }]);
  });

  it("refuses a revoked or expired grant and writes nothing", async () => {
    const revoked = await makeGrant(db);
    await db.grant.update({ where: { id: revoked.grantId }, data: { status: "revoked", revokedAt: new Date() } });
    const deps = testDeps(db);
    await expect(acceptMessage(deps, { grantId: revoked.grantId, recipient: "+15550100123", body: "x", actor })).rejects.toMatchObject({ code: "grant_revoked" });
    const expired = await makeGrant(db, { expiresInSeconds: -5 });
    await expect(acceptMessage(deps, { grantId: expired.grantId, recipient: "+15550100123", body: "x", actor })).rejects.toMatchObject({ code: "grant_expired" });
    expect(await db.message.count({ where: { grantId: { in: [revoked.grantId, expired.grantId] } } })).toBe(0);
  });

  it("answers a repeated Idempotency-Key with the first message and never sends twice", async () => {
    const g = await makeGrant(db, { maxMessages: 5 });
    const deps = testDeps(db);
    const input = { grantId: g.grantId, recipient: "+15550100123", body: "once", idempotencyKey: "key-1", actor };
    const runs = await Promise.all([sendMessage(deps, sandboxProvider(), input), sendMessage(deps, sandboxProvider(), input), sendMessage(deps, sandboxProvider(), input)]);
    expect(new Set(runs.map((r) => r.message.id)).size).toBe(1);
    expect(runs.filter((r) => !r.replayed)).toHaveLength(1);
    expect(await grantEntryLimits(db, g.grantId)).toMatchObject([{ used: 1, left: 4 }]);
    await expect(sendMessage(deps, sandboxProvider(), { ...input, body: "different" })).rejects.toMatchObject({ code: "idempotency_key_reused" });
  });

  it("fails closed when the audit store is unreachable: nothing is written, nothing is sent", async () => {
    const g = await makeGrant(db, { maxMessages: 5 });
    const deps = testDeps(db);
    // Simulate a broken audit store: the chain head row is gone, so appendAudit throws.
    const head = await db.auditHead.findUniqueOrThrow({ where: { id: 1 } });
    await db.auditHead.delete({ where: { id: 1 } });
    let sent = 0;
    const provider = { name: "sandbox" as const, send: async () => ((sent++, { ok: true as const, providerMessageId: "x" })) };
    try {
      await expect(sendMessage(deps, provider, { grantId: g.grantId, recipient: "+15550100123", body: "x", actor })).rejects.toThrow();
    } finally {
      await db.auditHead.create({ data: head });
    }
    expect(sent).toBe(0);
    expect(await db.message.count({ where: { grantId: g.grantId } })).toBe(0);
    expect(await grantEntryLimits(db, g.grantId)).toMatchObject([{ used: 0, left: 5 }]);
  });
  it("an accepted, delivered send is two write transactions that read nothing but the audit chain's head, and a warm status cache reads nothing else", async () => {
    const counted = countingDb(target.url());
    try {
      const g = await makeGrant(db, { maxMessages: 10 });
      const deps = testDeps(counted.db);
      const grants = new GrantStatusCache(dbGrantStatus(counted.db), 1000, () => 0); // a clock that never moves: always warm
      const send = (i: number) => sendMessage(deps, sandboxProvider(), { grantId: g.grantId, recipient: A, body: `m${i}`, idempotencyKey: `k${i}`, actor }, { grants });
      await send(0);
      counted.log.reset();
      const { message } = await send(1);
      expect(message.status).toBe("delivered");
      const { statements, transactions } = counted.log;
      // The accept (quota, message, queued and attempted entries) and the outcome (status, delivered entry).
      expect(transactions).toBe(2);
      // Reads hold the SQLite write lock for nothing: the status comes before, from the cache.
      expect(statements.filter((s) => !s.inTransaction)).toEqual([]);
      const reads = statements.filter((s) => /^\s*SELECT/i.test(s.sql) && !/"AuditHead"/.test(s.sql));
      expect(reads).toEqual([]);
      expect(await grantEntryLimits(db, g.grantId)).toMatchObject([{ used: 2, left: 8 }]);
    } finally {
      await counted.db.$disconnect();
    }
  });

  it("checklist 63: a revocation committed after the status was cached still stops the next send at the write, and spends nothing", async () => {
    const deps = testDeps(db);
    const cases = [
      { code: "grant_revoked", revoke: (g: { grantId: string }) => db.grant.update({ where: { id: g.grantId }, data: { status: "revoked", revokedAt: new Date() } }) },
      { code: "account_disabled", revoke: (g: { userId: string }) => db.user.update({ where: { id: g.userId }, data: { disabledAt: new Date() } }) },
      { code: "grant_revoked", revoke: (g: { clientId: string }) => db.client.update({ where: { id: g.clientId }, data: { revokedAt: new Date() } }) },
      { code: "token_revoked", revoke: (_g: unknown, jti: string) => db.issuedToken.update({ where: { jti }, data: { revokedAt: new Date() } }) },
    ];
    for (const { code, revoke } of cases) {
      const g = await makeGrant(db, { maxMessages: 5 });
      const jti = randomUUID();
      await db.issuedToken.create({ data: { jti, grantId: g.grantId, clientId: g.clientId, expiresAt: new Date(Date.now() + 600_000) } });
      // No push reaches this cache and its clock never moves: it still says live.
      const grants = new GrantStatusCache(dbGrantStatus(db), 1000, () => 0);
      await sendMessage(deps, sandboxProvider(), { grantId: g.grantId, jti, recipient: A, body: "before", actor }, { grants });
      await revoke(g, jti);
      expect((await grants.get(g.grantId, jti)).live).toBe(true);
      await expect(sendMessage(deps, sandboxProvider(), { grantId: g.grantId, jti, recipient: A, body: "after", actor }, { grants })).rejects.toMatchObject({ code });
      expect(await db.message.count({ where: { grantId: g.grantId } })).toBe(1);
      expect(await grantEntryLimits(db, g.grantId)).toMatchObject([{ used: 1, left: 4 }]);
    }
  });

  it("a status cached before the grant was extended still sends to the new entry's recipient", async () => {
    const g = await makeGrant(db, { details: [entry([A], 1)] });
    const deps = testDeps(db);
    const grants = new GrantStatusCache(dbGrantStatus(db), 1000, () => 0);
    await sendMessage(deps, sandboxProvider(), { grantId: g.grantId, recipient: A, body: "a", actor }, { grants });
    // An approved extension appends an entry and its budget (lib/grants/extensions.ts).
    const extended = [entry([A], 1), entry([B], 2)];
    await db.grant.update({ where: { id: g.grantId }, data: { authorizationDetails: JSON.stringify(extended), entries: { create: { position: 1, maxMessages: 2 } } } });
    const { message } = await sendMessage(deps, sandboxProvider(), { grantId: g.grantId, recipient: B, body: "b", actor }, { grants });
    expect(message.status).toBe("delivered");
    expect(await grantEntryLimits(db, g.grantId)).toMatchObject([{ used: 1, left: 0 }, { used: 1, left: 1 }]);
  });

  it("answers a retry with the first message even once the quota is spent", async () => {
    const g = await makeGrant(db, { maxMessages: 1 });
    const deps = testDeps(db);
    const grants = new GrantStatusCache(dbGrantStatus(db), 1000, () => 0);
    const input = { grantId: g.grantId, recipient: A, body: "only", idempotencyKey: "retry-1", actor };
    const first = await sendMessage(deps, sandboxProvider(), input, { grants });
    const again = await sendMessage(deps, sandboxProvider(), input, { grants });
    expect(again).toMatchObject({ replayed: true, message: { id: first.message.id } });
    await expect(sendMessage(deps, sandboxProvider(), { ...input, idempotencyKey: "retry-2" }, { grants })).rejects.toMatchObject({ code: "quota_exhausted" });
    expect(await grantEntryLimits(db, g.grantId)).toMatchObject([{ used: 1, left: 0 }]);
  });
});
