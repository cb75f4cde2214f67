import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db";
import { testDatabases } from "../../tests/harness/databases";
import { acceptMessage } from "./accept";
import { MessagingDenial } from "./policy";
import { sandboxProvider } from "./providers/sandbox";
import { sendMessage } from "./send";
import { makeGrant, testDeps } from "./test-fixtures";

const actor = { type: "service" as const, id: "mcp-server" };

describe.each(testDatabases())("sending messages on $name", (target) => {
  let db: Db;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());

  it("writes the message, takes one unit of quota and audits queued then delivered", async () => {
    const g = await makeGrant(db, { maxMessages: 2 });
    const deps = testDeps(db);
    const { message } = await sendMessage(deps, sandboxProvider(), { grantId: g.grantId, recipient: "+15550100123", body: "Running late", actor });
    expect(message.status).toBe("delivered");
    expect(message.providerMessageId).toBe(`sandbox_${message.id}`);
    expect((await db.grant.findUniqueOrThrow({ where: { id: g.grantId } })).usesLeft).toBe(1);
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
    expect((await db.grant.findUniqueOrThrow({ where: { id: g.grantId } })).usesLeft).toBe(0);
  });

  it("takes quota from every grant on a token-exchange chain and files the message under the root grant", async () => {
    const root = await makeGrant(db, { maxMessages: 1 });
    const child = await makeGrant(db, { maxMessages: 5, parentGrantId: root.grantId, userId: root.userId, clientId: root.clientId });
    const deps = testDeps(db);
    const { message } = await sendMessage(deps, sandboxProvider(), { grantId: child.grantId, recipient: "+15550100123", body: "hi", actor });
    expect(message.grantId).toBe(root.grantId);
    await expect(acceptMessage(deps, { grantId: child.grantId, recipient: "+15550100123", body: "again", actor })).rejects.toMatchObject({ code: "quota_exhausted", limit: "max_messages" });
    expect((await db.grant.findUniqueOrThrow({ where: { id: child.grantId } })).usesLeft).toBe(4);
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
    expect((await db.grant.findUniqueOrThrow({ where: { id: g.grantId } })).usesLeft).toBe(4);
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
    expect((await db.grant.findUniqueOrThrow({ where: { id: g.grantId } })).usesLeft).toBe(5);
  });
});
