// Write transactions that behave the same under concurrent processes on both providers.
//
// Prisma's SQLite adapter opens transactions with a deferred BEGIN. A deferred transaction
// that reads and then writes cannot wait for another process's writer: SQLite answers
// SQLITE_BUSY at once instead of invoking the busy timeout. So on SQLite the first statement
// is a no-op write to the audit head row, which takes the write lock up front (waiting
// politely for other writers). PostgreSQL needs nothing: it locks rows as they are written.
import type { Db, Tx } from "./index";
import { providerOf } from "./client";
import { openCommitHooks, runCommitHooks } from "./after-commit";

export async function writeTransaction<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const sqlite = providerOf(db) === "sqlite";
  let client: Tx | undefined;
  const result = await db.$transaction(
    async (tx) => {
      client = tx;
      openCommitHooks(tx, db);
      if (sqlite) await tx.$executeRaw`UPDATE "AuditHead" SET "seq" = "seq" WHERE "id" = 1`;
      return fn(tx);
    },
    { maxWait: 15_000, timeout: 15_000 },
  );
  // Committed: lib/db/after-commit.ts.
  if (client) await runCommitHooks(client);
  return result;
}
