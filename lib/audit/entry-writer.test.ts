// Tool-call entries under concurrency (lib/audit/entry-writer.ts): concurrent appends share
// write transactions and each still leaves its own chained entry, committed before its caller
// is answered; a refused entry fails only its caller; a batch that cannot commit rejects every
// member (so each tool call fails closed) and stores nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { testDatabases } from "../../tests/harness/databases";
import { auditEntryWriter, appendAuditEntry } from "./entry-writer";
import type { AuditEventInput } from "./events";
import { verifyChain } from "./verify";

const N = 24;

const toolEntry = (grantId: string, i: number): AuditEventInput => ({
  type: "tool.allowed",
  outcome: "success",
  actorType: "agent",
  actorId: "client-entry-writer",
  subjectUserId: null,
  clientId: "client-entry-writer",
  grantId,
  reason: null,
  details: { tool: "describe_grant", token_jti: `jti-${i}` },
});

describe.each(testDatabases())("audit entries appended concurrently, on $name", (target) => {
  let db: Db;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());

  it(`${N} concurrent appends: ${N} chained entries, each committed when its caller resumes, in fewer transactions than entries`, async () => {
    const grantId = `grant-batch-${target.name}`;
    const writer = auditEntryWriter(db);
    const batchesBefore = writer.stats.batches;
    const at = new Date("2026-12-02T10:00:00.000Z");
    const seen: number[] = [];
    await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        await appendAuditEntry(db, toolEntry(grantId, i), at);
        // Resolved only after commit: a fresh read from outside the transaction sees the entry.
        seen.push(await db.auditEvent.count({ where: { grantId, details: { contains: `"jti-${i}"` } } }));
      }),
    );
    expect(seen).toEqual(Array.from({ length: N }, () => 1));
    const rows = await db.auditEvent.findMany({ where: { grantId }, orderBy: { seq: "asc" } });
    expect(rows).toHaveLength(N);
    // Chained in submission order.
    expect(rows.map((r) => (JSON.parse(r.details) as { token_jti: string }).token_jti)).toEqual(Array.from({ length: N }, (_, i) => `jti-${i}`));
    const batches = writer.stats.batches - batchesBefore;
    expect(batches).toBeGreaterThanOrEqual(1);
    expect(batches).toBeLessThan(N);
    expect((await verifyChain(db)).ok).toBe(true);
  });

  it("a refused entry among concurrent ones fails only its own caller", async () => {
    const grantId = `grant-refused-${target.name}`;
    const at = new Date();
    const results = await Promise.allSettled([
      appendAuditEntry(db, toolEntry(grantId, 1), at),
      appendAuditEntry(db, { ...toolEntry(grantId, 2), details: { tool: "send_message", body: "a message body" } }, at),
      appendAuditEntry(db, toolEntry(grantId, 3), at),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(await db.auditEvent.count({ where: { grantId } })).toBe(2);
    expect((await verifyChain(db)).ok).toBe(true);
  });

  it("a batch that cannot commit rejects every member and stores none of them", async () => {
    const grantId = `grant-failed-${target.name}`;
    const head = await db.auditHead.findUniqueOrThrow({ where: { id: 1 } });
    await db.auditHead.delete({ where: { id: 1 } });
    let results: PromiseSettledResult<void>[];
    try {
      results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => appendAuditEntry(db, toolEntry(grantId, i), new Date())));
    } finally {
      await db.auditHead.create({ data: head });
    }
    expect(results.every((r) => r.status === "rejected")).toBe(true);
    expect(await db.auditEvent.count({ where: { grantId } })).toBe(0);
    // The writer recovers once the store does.
    await appendAuditEntry(db, toolEntry(grantId, 9), new Date());
    expect(await db.auditEvent.count({ where: { grantId } })).toBe(1);
    expect((await verifyChain(db)).ok).toBe(true);
  });
});
