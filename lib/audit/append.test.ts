import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { writeTransaction } from "../db/transaction";
import { testDatabases } from "../../tests/harness/databases";
import { appendAudit } from "./append";
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
    expect(rows[0].prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < rows.length; i++) expect(rows[i].prevHash).toBe(rows[i - 1].hash);
    const first = rows[0];
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
});
