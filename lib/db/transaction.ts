// Write transactions that behave the same under concurrent processes on both providers.
//
// Prisma's SQLite adapter opens transactions with a deferred BEGIN. A deferred transaction
// that reads and then writes cannot wait for another process's writer: SQLite answers
// SQLITE_BUSY at once instead of invoking the busy timeout. So on SQLite the first statement
// is a no-op write to the audit head row, which takes the write lock up front (waiting
// politely for other writers). PostgreSQL needs nothing: it locks rows as they are written.
import { providerOf, type Db, type Tx } from "./client";

export async function writeTransaction<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const sqlite = providerOf(db) === "sqlite";
  return db.$transaction(
    async (tx) => {
      if (sqlite) await tx.$executeRaw`UPDATE "AuditHead" SET "seq" = "seq" WHERE "id" = 1`;
      return fn(tx);
    },
    { maxWait: 15_000, timeout: 15_000 },
  );
}
