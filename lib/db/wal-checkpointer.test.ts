// WAL checkpoints off the request path (./wal-checkpointer.ts), on a real SQLite file with a
// real worker thread: the runtime's connections no longer checkpoint at SQLite's default 1,000
// pages, the thread copies committed pages into the database file on its own, and stopping it
// ends the thread. PostgreSQL has no WAL file to checkpoint: nothing is started there.
import { statSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { testDatabases } from "../../tests/harness/databases";
import type { Db } from "./client";
import { databaseTarget } from "./target";
import { startWalCheckpointer, WAL_AUTOCHECKPOINT_PAGES } from "./wal-checkpointer";

describe.each(testDatabases())("WAL checkpoints on $name", (target) => {
  let db: Db;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());

  it("checklist 221: the runtime's connections leave checkpoints to the checkpoint thread, which copies committed pages into the file", async () => {
    const started = startWalCheckpointer(target.url(), 20);
    if (target.name === "postgresql") {
      expect(started).toBeUndefined();
      return;
    }
    await started!.stop(); // started again below, once the log has grown
    const [pragma] = await db.$queryRawUnsafe<{ wal_autocheckpoint: number | bigint }[]>("PRAGMA wal_autocheckpoint");
    expect(Number(pragma!.wal_autocheckpoint)).toBe(WAL_AUTOCHECKPOINT_PAGES);

    const file = databaseTarget(target.url()).filePath!;
    await db.$executeRawUnsafe("CREATE TABLE wal_scratch (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
    // Settle what is in the log now, so the growth below is the inserts' alone.
    await db.$queryRawUnsafe("PRAGMA wal_checkpoint(TRUNCATE)");
    const before = statSync(file).size;
    // About 1,500 pages, past SQLite's default automatic checkpoint (1,000) and below ours.
    const body = "x".repeat(3_900);
    for (let i = 0; i < 15; i++) {
      await db.$executeRawUnsafe(`INSERT INTO wal_scratch (body) SELECT ? FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) SELECT i FROM n)`, body);
    }
    // Committed, but only in the log: no connection checkpointed on its own.
    expect(statSync(file).size).toBe(before);
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(1_000 * 4096);

    const checkpointer = startWalCheckpointer(target.url(), 20)!;
    try {
      await vi.waitFor(() => expect(statSync(file).size).toBeGreaterThan(before + 1_400 * 4096), { timeout: 10_000, interval: 20 });
    } finally {
      await checkpointer.stop();
    }
    const [count] = await db.$queryRawUnsafe<{ n: number | bigint }[]>("SELECT count(*) AS n FROM wal_scratch");
    expect(Number(count!.n)).toBe(1_500);
  });
});
