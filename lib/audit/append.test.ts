import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { inSavepoint, writeTransaction } from "../db/transaction";
import { testDatabases } from "../../tests/harness/databases";
import { appendAudit, dropQueuedAudit, queuedAuditMark } from "./append";
import { entryHash, GENESIS_HASH } from "./hash";

describe.each(testDatabases())("audit append on $name", (target) => {
  let db: Db;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());

  it("links each entry to the previous one and numbers them without gaps", async () => {
    for (let i = 0; i < 3; i++) {
      await writeTransaction(db, (tx) => appendAudit(tx, { type: "key.rotated", outcome: "info", actorType: "system", details: { i } }));
    }
    const rows = await db.auditEvent.findMany({ orderBy: { seq: "asc" } });
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(rows[0]?.prevHash).toBe(GENESIS_HASH);
    for (const [i, row] of rows.entries()) if (i > 0) expect(row.prevHash).toBe(rows[i - 1]?.hash);
    const first = rows[0]!;
    expect(entryHash({ ...first, details: JSON.parse(first.details) })).toBe(first.hash);
  });

  it("rolls the entry back with the transaction it belongs to", async () => {
    const before = await db.auditEvent.count();
    await expect(
      writeTransaction(db, async (tx) => {
        await appendAudit(tx, { type: "key.rotated", outcome: "info", actorType: "system" });
        throw new Error("effect failed");
      }),
    ).rejects.toThrow("effect failed");
    expect(await db.auditEvent.count()).toBe(before);
    const head = await db.auditHead.findUniqueOrThrow({ where: { id: 1 } });
    expect(head.seq).toBe(before);
  });

  it("a savepoint rolled back takes its effect and, dropped by the caller, its entries with it; the rest of the transaction commits", async () => {
    const before = await db.auditEvent.count();
    await writeTransaction(db, async (tx) => {
      await appendAudit(tx, { type: "key.rotated", outcome: "info", actorType: "system", details: { kept: 1 } });
      const mark = queuedAuditMark(tx);
      await expect(
        inSavepoint(tx, async () => {
          // An effect that, were it kept, would break the chain's next link.
          await tx.$executeRawUnsafe(`UPDATE "AuditHead" SET "hash" = 'overwritten' WHERE "id" = 1`);
          await appendAudit(tx, { type: "key.rotated", outcome: "info", actorType: "system", details: { dropped: 1 } });
          // A failed statement: on PostgreSQL it aborts the transaction until ROLLBACK TO.
          await tx.$executeRawUnsafe(`INSERT INTO "AuditHead" ("id", "seq", "hash") VALUES (1, 0, 'x')`);
        }),
      ).rejects.toThrow();
      dropQueuedAudit(tx, mark);
      // The transaction is usable after the savepoint was rolled back.
      await appendAudit(tx, { type: "key.rotated", outcome: "info", actorType: "system", details: { kept: 2 } });
    });
    const rows = await db.auditEvent.findMany({ where: { seq: { gt: before } }, orderBy: { seq: "asc" } });
    expect(rows.map((r) => JSON.parse(r.details))).toEqual([{ kept: 1 }, { kept: 2 }]);
    expect(rows[1]?.prevHash).toBe(rows[0]?.hash);
  });

  it("chains a transaction's entries at commit, in the order they were appended, after its effect", async () => {
    const before = await db.auditHead.findUniqueOrThrow({ where: { id: 1 } });
    await writeTransaction(db, async (tx) => {
      await appendAudit(tx, { type: "key.rotated", outcome: "info", actorType: "system", details: { n: "first" } });
      // Nothing is numbered until the transaction's work is done: the head is untouched here,
      // so other writers were not held up by this transaction so far.
      expect((await tx.auditHead.findUniqueOrThrow({ where: { id: 1 } })).seq).toBe(before.seq);
      await appendAudit(tx, { type: "key.rotated", outcome: "info", actorType: "system", details: { n: "second" } });
    });
    const rows = await db.auditEvent.findMany({ where: { seq: { gt: before.seq } }, orderBy: { seq: "asc" } });
    expect(rows.map((r) => [r.seq, JSON.parse(r.details).n])).toEqual([
      [before.seq + 1, "first"],
      [before.seq + 2, "second"],
    ]);
    expect(rows[0]?.prevHash).toBe(before.hash);
    expect(rows[1]?.prevHash).toBe(rows[0]?.hash);
    expect(await db.auditHead.findUniqueOrThrow({ where: { id: 1 } })).toMatchObject({ seq: before.seq + 2, hash: rows[1]?.hash });
  });

  it("refuses to append outside a write transaction, where nothing would chain the entry", async () => {
    await expect(db.$transaction((tx) => appendAudit(tx, { type: "key.rotated", outcome: "info", actorType: "system" }))).rejects.toThrow(/writeTransaction/);
  });
});
