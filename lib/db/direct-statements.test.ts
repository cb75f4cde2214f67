// A write transaction's raw statements run on its connection directly
// (lib/db/direct-statements.ts), answering what Prisma would have answered: on SQLite its
// statements and queries, on PostgreSQL its statements.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createDb, sqliteConnectionOf, type Db, type Tx } from "./client";
import { inSavepoint, writeTransaction } from "./transaction";
import { makeGrant } from "../messaging/test-fixtures";
import { testDatabases } from "../../tests/harness/databases";

describe("raw statements of a SQLite write transaction", () => {
  const target = testDatabases().find((t) => t.name === "sqlite")!;
  let db: Db;
  let grant: { grantId: string; userId: string; clientId: string };
  beforeAll(async () => {
    db = await target.open();
    grant = await makeGrant(db);
  });
  afterAll(() => target.close());

  const insertMessage = (tx: Tx, id: string, createdAt: Date, idempotencyKey: string | null = null) =>
    tx.$executeRawUnsafe(
      `INSERT INTO "Message" ("id","grantId","userId","clientId","recipient","body","bodySha256","status","provider","idempotencyKey","createdAt","attempts") VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
      id,
      grant.grantId,
      grant.userId,
      grant.clientId,
      "+15550100123",
      "hello",
      "digest",
      "pending",
      "sandbox",
      idempotencyKey,
      createdAt, // a Date, bound as the adapter binds it
      2,
    );

  it("run on the transaction's connection, not through Prisma, and answer what Prisma answers", async () => {
    const connection = sqliteConnectionOf(db)!;
    expect(connection).toBeDefined();
    const prepared = vi.spyOn(connection, "statement");
    const createdAt = new Date("2026-12-03T06:00:00.123Z");
    try {
      const { changed, returned } = await writeTransaction(db, async (tx) => {
        const changed = await insertMessage(tx, "direct-1", createdAt);
        const returned = await tx.$queryRawUnsafe<Record<string, unknown>[]>(
          `UPDATE "Message" SET "attempts" = "attempts" + 1 WHERE "id" = ? RETURNING "id", "attempts", "createdAt", "leaseUntil"`,
          "direct-1",
        );
        return { changed, returned };
      });
      expect(prepared.mock.calls.map(([sql]) => sql.split(" ", 3).join(" "))).toEqual(['INSERT INTO "Message"', 'UPDATE "Message" SET']);
      expect(changed).toBe(1);
      // The same columns read through Prisma, outside any transaction.
      const viaPrisma = await db.$queryRawUnsafe<Record<string, unknown>[]>(`SELECT "id", "attempts", "createdAt", "leaseUntil" FROM "Message" WHERE "id" = ?`, "direct-1");
      expect(returned).toEqual(viaPrisma);
      expect(returned).toEqual([{ id: "direct-1", attempts: 3, createdAt, leaseUntil: null }]);
      await expect(db.message.findUniqueOrThrow({ where: { id: "direct-1" } })).resolves.toMatchObject({ createdAt, attempts: 3 });
    } finally {
      prepared.mockRestore();
    }
  });

  it("read booleans and integers as Prisma does, and bind booleans as 0 and 1", async () => {
    const rows = await writeTransaction(db, async (tx) => {
      await tx.$executeRaw`UPDATE "Client" SET "verified" = ${true} WHERE "id" = ${grant.clientId}`;
      return tx.$queryRawUnsafe<Record<string, unknown>[]>(`UPDATE "Client" SET "cibaEnabled" = ? WHERE "id" = ? RETURNING "id", "verified", "cibaEnabled"`, false, grant.clientId);
    });
    const viaPrisma = await db.$queryRawUnsafe<Record<string, unknown>[]>(`SELECT "id", "verified", "cibaEnabled" FROM "Client" WHERE "id" = ?`, grant.clientId);
    expect(rows).toEqual(viaPrisma);
    expect(rows).toEqual([{ id: grant.clientId, verified: true, cibaEnabled: false }]);
  });

  it("read a date stored as text as Prisma reads it", async () => {
    await writeTransaction(db, (tx) => insertMessage(tx, "direct-text-date", new Date()));
    await db.$executeRawUnsafe(`UPDATE "Message" SET "deliveredAt" = '2026-12-03T07:00:00.500+00:00' WHERE "id" = 'direct-text-date'`);
    const sql = `UPDATE "Message" SET "attempts" = "attempts" WHERE "id" = ? RETURNING "deliveredAt"`;
    const direct = await writeTransaction(db, (tx) => tx.$queryRawUnsafe<Record<string, unknown>[]>(sql, "direct-text-date"));
    expect(direct).toEqual([{ deliveredAt: new Date("2026-12-03T07:00:00.500Z") }]);
    expect(direct).toEqual(await db.$queryRawUnsafe(sql, "direct-text-date"));
  });

  it("leave a result column that is not a table column to Prisma", async () => {
    const rows = await writeTransaction(db, (tx) => tx.$queryRawUnsafe<{ v: unknown }[]>(`SELECT ? + 1 AS "v"`, 41));
    expect(rows).toEqual(await db.$queryRawUnsafe(`SELECT ? + 1 AS "v"`, 41));
    expect(rows).toEqual([{ v: 42 }]);
  });

  it("fail with SQLite's own error, and roll back with the transaction", async () => {
    const failed = writeTransaction(db, async (tx) => {
      await insertMessage(tx, "direct-2", new Date(), "key-1");
      await insertMessage(tx, "direct-3", new Date(), "key-1"); // same grant and key: unique
    });
    await expect(failed).rejects.toMatchObject({ code: "SQLITE_CONSTRAINT_UNIQUE", message: expect.stringContaining("UNIQUE constraint failed") });
    expect(await db.message.count({ where: { id: { in: ["direct-2", "direct-3"] } } })).toBe(0);
  });

  it("are undone by a savepoint's rollback while the rest of the transaction commits", async () => {
    await writeTransaction(db, async (tx) => {
      await insertMessage(tx, "direct-4", new Date());
      await expect(
        inSavepoint(tx, async () => {
          await insertMessage(tx, "direct-5", new Date());
          throw new Error("refused");
        }),
      ).rejects.toThrow("refused");
    });
    const ids = (await db.message.findMany({ where: { id: { in: ["direct-4", "direct-5"] } }, select: { id: true } })).map((m) => m.id);
    expect(ids).toEqual(["direct-4"]);
  });

  it("are refused once their transaction has ended, even while another is open on the connection", async () => {
    let kept: Tx | undefined;
    await writeTransaction(db, async (tx) => {
      kept = tx;
    });
    await expect(insertMessage(kept!, "direct-6", new Date())).rejects.toThrow("Transaction already closed");
    // Another transaction open on the same connection must not take the late statement in.
    await writeTransaction(db, async () => {
      await expect(insertMessage(kept!, "direct-7", new Date())).rejects.toThrow("Transaction already closed");
    });
    expect(await db.message.count({ where: { id: { in: ["direct-6", "direct-7"] } } })).toBe(0);
  });
});

describe.each(testDatabases().filter((t) => t.name === "postgresql"))("raw statements of a PostgreSQL write transaction", (target) => {
  let db: Db;
  let grant: { grantId: string; userId: string; clientId: string };
  beforeAll(async () => {
    db = await target.open();
    grant = await makeGrant(db);
  });
  afterAll(() => target.close());

  const INSERT = `INSERT INTO "Message" ("id","grantId","userId","clientId","recipient","body","bodySha256","status","provider","idempotencyKey","createdAt","attempts") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11::timestamp,$12)`;
  /** createdAt as lib/audit/sql.ts timeValue binds it on PostgreSQL (a zone-less UTC string), or a Date (Prisma's to bind). */
  const insertMessage = (tx: Tx, id: string, createdAt: string | Date = "2026-12-03 06:00:00.123", idempotencyKey: string | null = null) =>
    tx.$executeRawUnsafe(INSERT, id, grant.grantId, grant.userId, grant.clientId, "+15550100123", "hello", "digest", "pending", "sandbox", idempotencyKey, createdAt, 2);

  /** The SQL texts node-postgres was handed as text: the direct path's calls (Prisma's adapter hands it a config object). */
  async function directCalls<T>(fn: () => Promise<T>): Promise<{ result: T; sql: string[] }> {
    const query = vi.spyOn(pg.Client.prototype, "query");
    try {
      const result = await fn();
      const sql = query.mock.calls.map(([text]) => text).filter((text): text is string => typeof text === "string");
      return { result, sql: sql.map((text) => text.split(" ", 3).join(" ")) };
    } finally {
      query.mockRestore();
    }
  }

  it("run on the transaction's connection, not through Prisma, and answer the rows changed", async () => {
    const { result, sql } = await directCalls(() =>
      writeTransaction(db, async (tx) => {
        const inserted = await insertMessage(tx, "pg-direct-1");
        const updated = await tx.$executeRaw`UPDATE "Message" SET "attempts" = "attempts" + ${1} WHERE "id" = ${"pg-direct-1"} AND "status" = ${"pending"}`;
        const none = await tx.$executeRawUnsafe(`UPDATE "Message" SET "attempts" = 0 WHERE "id" = $1`, "no-such-message");
        return { inserted, updated, none };
      }),
    );
    // The first went through Prisma, marked so the adapter names the connection; the rest did not.
    expect(sql).toEqual(['UPDATE "Message" SET', 'UPDATE "Message" SET']);
    expect(result).toEqual({ inserted: 1, updated: 1, none: 0 });
    await expect(db.message.findUniqueOrThrow({ where: { id: "pg-direct-1" } })).resolves.toMatchObject({ attempts: 3, createdAt: new Date("2026-12-03T06:00:00.123Z") });
  });

  it("leave a statement with a value only Prisma binds (a Date) to Prisma", async () => {
    const createdAt = new Date("2026-12-03T08:00:00.250Z");
    const { sql } = await directCalls(() => writeTransaction(db, (tx) => insertMessage(tx, "pg-direct-date", createdAt)));
    expect(sql).toEqual([]);
    await expect(db.message.findUniqueOrThrow({ where: { id: "pg-direct-date" } })).resolves.toMatchObject({ createdAt });
  });

  it("fail with PostgreSQL's own error, and roll back with the transaction", async () => {
    const failed = writeTransaction(db, async (tx) => {
      await insertMessage(tx, "pg-direct-2", undefined, "key-1");
      await insertMessage(tx, "pg-direct-3", undefined, "key-1"); // same grant and key: unique
    });
    await expect(failed).rejects.toMatchObject({ code: "23505", message: expect.stringContaining("duplicate key") });
    expect(await db.message.count({ where: { id: { in: ["pg-direct-2", "pg-direct-3"] } } })).toBe(0);
  });

  it("are undone by a savepoint's rollback while the rest of the transaction commits", async () => {
    await writeTransaction(db, async (tx) => {
      await insertMessage(tx, "pg-direct-4");
      await expect(
        inSavepoint(tx, async () => {
          await insertMessage(tx, "pg-direct-5");
          throw new Error("refused");
        }),
      ).rejects.toThrow("refused");
    });
    const ids = (await db.message.findMany({ where: { id: { in: ["pg-direct-4", "pg-direct-5"] } }, select: { id: true } })).map((m) => m.id);
    expect(ids).toEqual(["pg-direct-4"]);
  });

  it("are refused once their transaction has ended, even when the next transaction has the same pooled connection", async () => {
    const previous = process.env.DATABASE_POOL_SIZE;
    process.env.DATABASE_POOL_SIZE = "1";
    const single = createDb(target.url());
    if (previous === undefined) delete process.env.DATABASE_POOL_SIZE;
    else process.env.DATABASE_POOL_SIZE = previous;
    try {
      let kept: Tx | undefined;
      await writeTransaction(single, async (tx) => {
        await insertMessage(tx, "pg-direct-5b"); // names the connection: later statements are direct
        kept = tx;
      });
      await expect(insertMessage(kept!, "pg-direct-6")).rejects.toThrow("Transaction already closed");
      // The pool has one connection, so this transaction holds the one the first one held.
      await expect(
        writeTransaction(single, async () => {
          await expect(insertMessage(kept!, "pg-direct-7")).rejects.toThrow("Transaction already closed");
          throw new Error("roll back");
        }),
      ).rejects.toThrow("roll back");
      expect(await db.message.count({ where: { id: { in: ["pg-direct-6", "pg-direct-7"] } } })).toBe(0);
    } finally {
      await single.$disconnect();
    }
  });

  it("each reach their own transaction's connection when many transactions run at once", async () => {
    const ids = (k: number) => [0, 1, 2].map((i) => `pg-many-${k}-${i}`);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 24 }, (_, k) =>
        writeTransaction(db, async (tx) => {
          for (const id of ids(k)) await insertMessage(tx, id);
          if (k % 2 === 1) throw new Error("roll back");
        }),
      ),
    );
    expect(outcomes.filter((o) => o.status === "rejected")).toHaveLength(12);
    const stored = (await db.message.findMany({ where: { id: { startsWith: "pg-many-" } }, select: { id: true } })).map((m) => m.id).sort();
    expect(stored).toEqual(Array.from({ length: 12 }, (_, j) => ids(2 * j)).flat().sort());
  });

  it("stay on their own transaction's connection when the callback starts another transaction", async () => {
    await writeTransaction(db, async (tx) => {
      await expect(
        db.$transaction(async (other) => {
          // Written after the other transaction began: still this transaction's.
          await insertMessage(tx, "pg-direct-8");
          await other.$executeRawUnsafe(`SELECT 1`);
          throw new Error("roll the other one back");
        }),
      ).rejects.toThrow("roll the other one back");
      // The other transaction's end is not this one's.
      await insertMessage(tx, "pg-direct-9");
    });
    expect(await db.message.count({ where: { id: { in: ["pg-direct-8", "pg-direct-9"] } } })).toBe(2);
  });
});
