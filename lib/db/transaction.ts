// Write transactions that behave the same under concurrent processes on both providers.
//
// On SQLite every transaction takes the database write lock at BEGIN (BEGIN IMMEDIATE), and
// waits for it asynchronously while another process holds it (lib/db/sqlite-runtime.ts): a
// deferred transaction that reads and then writes could not wait at all. PostgreSQL needs
// nothing: it locks rows as they are written.
//
// Work registered with beforeCommit runs after the caller's work, inside the transaction, just
// before it commits: the audit chain appends its entries there, so it holds its lock only for
// its own statements and the commit (lib/audit/append.ts). Work registered with afterCommit
// (lib/db/after-commit.ts) runs once the transaction has committed, never after a rollback.
//
// The transaction's raw statements run on its connection directly, not through Prisma
// (lib/db/direct-statements.ts).
import { pgTransactionsOf, sqliteConnectionOf, type Db, type Tx } from "./client";
import { openCommitHooks, runCommitHooks } from "./after-commit";
import { directStatements, pgDirect, sqliteDirect } from "./direct-statements";

type Hook = () => Promise<unknown>;

const hooks = new WeakMap<object, Hook[]>();

/** Runs `hook` after the transaction's work, just before it commits, inside it. Only inside writeTransaction. */
export function beforeCommit(tx: Tx, hook: Hook): void {
  const list = hooks.get(tx);
  if (!list) throw new Error("beforeCommit: not a writeTransaction client");
  list.push(hook);
}

export async function writeTransaction<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  let client: Tx | undefined;
  const pg = pgTransactionsOf(db);
  const slot = pg?.slot();
  let result: T;
  try {
    result = await db.$transaction(
      async (prismaTx) => {
        const connection = sqliteConnectionOf(db);
        const direct = connection ? sqliteDirect(connection) : slot ? pgDirect(slot, prismaTx) : undefined;
        const tx = direct ? directStatements(prismaTx, direct) : prismaTx;
        client = tx;
        openCommitHooks(tx, db);
        const list: Hook[] = [];
        hooks.set(tx, list);
        const result = await fn(tx);
        // A hook may register another: run until none is left.
        for (const hook of list) await hook();
        return result;
      },
      { maxWait: 15_000, timeout: 15_000 },
    );
  } finally {
    if (slot) pg!.release(slot);
  }
  // Committed: lib/db/after-commit.ts.
  if (client) await runCommitHooks(client);
  return result;
}

let savepoints = 0;

/**
 * Runs `fn` inside a savepoint of the write transaction `tx`: when it throws, its statements are
 * undone (ROLLBACK TO, which also clears PostgreSQL's aborted state after a failed statement)
 * and the error is rethrown, while the transaction and everything written before stay usable.
 * Work `fn` registered with beforeCommit or afterCommit is not undone: callers that queue such
 * work undo it themselves (lib/audit/append.ts, dropQueuedAudit).
 */
export async function inSavepoint<T>(tx: Tx, fn: () => Promise<T>): Promise<T> {
  const name = `sp_${(savepoints = (savepoints + 1) % 1_000_000)}`;
  await tx.$executeRawUnsafe(`SAVEPOINT ${name}`);
  let result: T;
  try {
    result = await fn();
  } catch (err) {
    await tx.$executeRawUnsafe(`ROLLBACK TO SAVEPOINT ${name}`);
    await tx.$executeRawUnsafe(`RELEASE SAVEPOINT ${name}`);
    throw err;
  }
  await tx.$executeRawUnsafe(`RELEASE SAVEPOINT ${name}`);
  return result;
}
