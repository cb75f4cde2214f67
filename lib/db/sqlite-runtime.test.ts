// A process waiting for another process's SQLite write lock keeps serving: the wait is
// asynchronous (lib/db/sqlite-runtime.ts, lib/db/transaction.ts). SQLite only: PostgreSQL
// waits for locks on the server, never on this thread.
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "./client";
import { writeTransaction } from "./transaction";
import { testDatabases } from "../../tests/harness/databases";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("SQLite lock waits", () => {
  const target = testDatabases().find((t) => t.name === "sqlite")!;
  let db: Db;
  let other: Database.Database;
  beforeAll(async () => {
    db = await target.open();
    // Another process's connection, as the web app's is to the MCP server's.
    other = new Database(target.url().slice("file:".length));
  });
  afterAll(async () => {
    other.close();
    await target.close();
  });

  it("a write transaction waits for the lock without stopping the event loop, then commits", async () => {
    other.exec("BEGIN IMMEDIATE");
    let settled = false;
    const write = writeTransaction(db, (tx) => tx.auditHead.update({ where: { id: 1 }, data: { seq: { increment: 0 } } })).finally(() => {
      settled = true;
    });
    // With a synchronous busy wait no timer could fire until the lock was released.
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    await sleep(200);
    clearInterval(timer);
    expect(settled).toBe(false);
    expect(ticks).toBeGreaterThan(3);
    other.exec("COMMIT");
    await expect(write).resolves.toMatchObject({ id: 1 });
  });

  it("a single statement outside a transaction waits the same way", async () => {
    other.exec("BEGIN IMMEDIATE");
    let settled = false;
    const write = db.auditCheckpoint.deleteMany({ where: { id: -1 } }).finally(() => {
      settled = true;
    });
    await sleep(150);
    expect(settled).toBe(false);
    other.exec("COMMIT");
    await expect(write).resolves.toEqual({ count: 0 });
  });

  it("reads are not held up by another process's writer (WAL)", async () => {
    other.exec("BEGIN IMMEDIATE");
    try {
      await expect(db.auditHead.findUnique({ where: { id: 1 } })).resolves.toMatchObject({ id: 1 });
    } finally {
      other.exec("COMMIT");
    }
  });

  it("the same statement runs again with other parameters (statements are cached, never bound for good)", async () => {
    const a = await db.$queryRawUnsafe<{ v: bigint | number }[]>("SELECT ? + 1 AS v", 1);
    const b = await db.$queryRawUnsafe<{ v: bigint | number }[]>("SELECT ? + 1 AS v", 41);
    expect([Number(a[0]?.v), Number(b[0]?.v)]).toEqual([2, 42]);
  });
});
