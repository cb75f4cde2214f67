// On SQLite a write transaction's raw statements run on its connection directly
// (lib/db/direct-statements.ts), answering what Prisma would have answered. SQLite only:
// PostgreSQL's statements go through Prisma as before.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { sqliteConnectionOf, type Db, type Tx } from "./client";
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
