// Bound-value inserts on SQLite (insert-rows.ts): rows beyond what one statement may bind are
// split across statements, every row lands with its values as given (integers stay integers),
// and a chain written that way verifies.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bulkAppend } from "../audit/bulk";
import { seedEvents } from "../audit/seed-data";
import { verifyChain } from "../audit/verify";
import { testDatabases } from "../../tests/harness/databases";
import type { Db } from "./client";
import { writeTransaction } from "./transaction";
import { insertRowsSqlite } from "./insert-rows";

const [sqlite] = testDatabases();

describe("multi-row inserts on SQLite", () => {
  let db: Db;
  beforeAll(async () => {
    db = await sqlite.open();
  });
  afterAll(() => sqlite.close());

  it("splits rows across statements at SQLite's bound-value limit, keeping every value and its type", async () => {
    // Two columns: 16,383 rows a statement, so 16,400 rows take two.
    const expires = Date.UTC(2030, 0, 1);
    const rows = Array.from({ length: 16_400 }, (_, i) => [`insert-rows:${i}`, expires + i]);
    const inserted = await writeTransaction(db, (tx) => insertRowsSqlite(tx, "SeenJti", ["key", "expiresAt"], rows));
    expect(inserted).toBe(16_400);
    const stored = await db.$queryRawUnsafe<{ n: number | bigint; ints: number | bigint; last: number | bigint }[]>(
      `SELECT COUNT(*) AS n, SUM(typeof("expiresAt") = 'integer') AS ints, MAX("expiresAt") AS last FROM "SeenJti" WHERE "key" LIKE 'insert-rows:%'`,
    );
    expect(stored.map((r) => [Number(r.n), Number(r.ints), Number(r.last)])).toEqual([[16_400, 16_400, expires + 16_399]]);
    const last = await db.seenJti.findUniqueOrThrow({ where: { key: "insert-rows:16399" } });
    expect(last.expiresAt.getTime()).toBe(expires + 16_399);
  });

  it("a bulk append larger than one statement (2,520 entries of 13 columns) chains and verifies", async () => {
    await bulkAppend(db, [...seedEvents(2_600, new Date(), { seed: 7, idPrefix: "ir" })]);
    expect(await db.auditEvent.count()).toBe(2_600);
    expect((await verifyChain(db)).ok).toBe(true);
  });
});
