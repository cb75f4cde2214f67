// The SQLite connection a running process uses, tuned for many requests at once:
//
// - No synchronous lock waits. better-sqlite3 runs SQLite's busy handler on the calling
//   thread, so with a busy timeout a lock held by another process (the web app and the MCP
//   server share the file) stops this process's event loop until it is released. The
//   connection gets busy_timeout 0 and waits here instead, asynchronously, with short jittered
//   retries, for up to LOCK_WAIT_MS (the busy timeout it replaces):
//   - every transaction starts with BEGIN IMMEDIATE, which takes the write lock or is refused
//     at once, before anything of the transaction has run; refused, it is retried. (A deferred
//     transaction that reads and then writes could not wait at all: SQLite refuses its write
//     with SQLITE_BUSY_SNAPSHOT when another process wrote meanwhile.)
//   - a single statement outside a transaction refused with SQLITE_BUSY is retried.
// - Prepared statements are kept. The driver adapter prepares every statement anew
//   (`prepare(sql).bind(args)`); SQLite's prepare was a measurable share of each query
//   (docs/benchmarks.md). Statements are cached by their SQL text and bound per execution.
//   better-sqlite3 re-prepares a cached statement itself when the schema changes.
// - WAL checkpoints are left to a thread of their own (./wal-checkpointer.ts): a connection's
//   automatic checkpoint comes only at WAL_AUTOCHECKPOINT_PAGES, as a backstop.
// - The connection is handed to a write transaction's raw statements (./direct-statements.ts)
//   through a SqliteConnection, which also says which transaction is open on it right now.
import type { SqlDriverAdapterFactory, SqlQuery } from "@prisma/driver-adapter-utils";
import type BetterSqlite3 from "better-sqlite3";
import { adjustedFactory, whenEnded, type EndableTransaction } from "./adapter-factory";
import { isBusyError, LOCK_WAIT_MS, lockBackoff } from "./busy";
import { WAL_AUTOCHECKPOINT_PAGES } from "./wal-checkpointer";

/** A prepared statement of the runtime's cache. */
export type Statement = BetterSqlite3.Statement<unknown[], unknown>;

/** The part of the adapter's internals this module relies on (adapter-better-sqlite3 7.10). */
interface AdapterInternals {
  client: BetterSqlite3.Database;
  performIO(query: SqlQuery): Promise<unknown>;
  executeIO(query: SqlQuery): Promise<unknown>;
  startTransaction(isolationLevel?: unknown): Promise<EndableTransaction>;
}

/** Whether the last BEGIN of a connection was refused the write lock (see beginImmediately). */
interface LockState {
  refused: boolean;
}

/** A runtime adapter's better-sqlite3 connection, for ./direct-statements.ts. */
export interface SqliteConnection {
  /** The statement for `sql`, prepared once and kept (the same cache the adapter uses). */
  statement(sql: string): Statement;
  /**
   * The number of the write transaction open on the connection right now (each one opened
   * gets the next), or 0 while none is: a statement of a transaction that has ended (Prisma
   * rolled it back at its timeout while its callback still ran) must not run in the next one.
   */
  readonly openTransaction: number;
}

/** Where a runtime adapter factory publishes its connection once Prisma has connected it. */
export interface SqliteConnectionRef {
  current: SqliteConnection | undefined;
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Wraps the adapter factory so every connection it opens is tuned as described above; the
 * connection it opened last is published in `connection`.
 */
export function sqliteRuntimeFactory(factory: SqlDriverAdapterFactory, connection: SqliteConnectionRef): SqlDriverAdapterFactory {
  return adjustedFactory(factory, (adapter) => {
    const internals = adapter as unknown as AdapterInternals;
    if (
      typeof internals.client?.prepare !== "function" ||
      typeof internals.performIO !== "function" ||
      typeof internals.executeIO !== "function" ||
      typeof internals.startTransaction !== "function"
    ) {
      throw new Error("sqlite-runtime: the SQLite driver adapter changed shape; review lib/db/sqlite-runtime.ts");
    }
    internals.client.pragma("busy_timeout = 0");
    internals.client.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    const lock: LockState = { refused: false };
    const statement = cacheStatements(internals.client, lock);
    retryWhenBusy(internals);
    const transactions = { open: 0 };
    waitForWriteLock(internals, lock, transactions);
    connection.current = {
      statement,
      get openTransaction() {
        // A ROLLBACK or COMMIT statement ends the transaction before the adapter hears of it.
        return internals.client.inTransaction ? transactions.open : 0;
      },
    };
  });
}

function cacheStatements(client: BetterSqlite3.Database, lock: LockState): (sql: string) => Statement {
  const prepare = client.prepare.bind(client);
  const cache = new Map<string, Statement>();
  const cached = (sql: string): Statement => {
    let stmt = cache.get(sql);
    if (stmt) {
      // Map keeps insertion order: re-inserting makes this the most recently used.
      cache.delete(sql);
    } else {
      stmt = prepare(sql) as Statement;
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    }
    cache.set(sql, stmt);
    return stmt;
  };
  // The adapter calls prepare(sql).bind(args) then run(), or columns() and raw().all(), and
  // prepare("BEGIN").run(). bind() fixes a statement's parameters for good, so each call gets
  // a small view that passes the arguments to the cached statement instead.
  (client as unknown as { prepare: (sql: string) => unknown }).prepare = (sql: string) => {
    if (sql === "BEGIN") return { reader: false, run: () => beginImmediately(cached, lock) };
    const stmt = cached(sql);
    const bound = (args: unknown[]) => ({
      reader: stmt.reader,
      run: () => stmt.run(args),
      columns: () => stmt.columns(),
      raw: () => ({ all: () => stmt.raw(true).all(args) }),
    });
    return { reader: stmt.reader, bind: bound, run: () => stmt.run() };
  };
  return cached;
}

function retryWhenBusy(internals: AdapterInternals): void {
  for (const name of ["performIO", "executeIO"] as const) {
    const original = internals[name].bind(internals);
    internals[name] = async (query: SqlQuery) => {
      const started = Date.now();
      for (let attempt = 0; ; attempt++) {
        try {
          return await original(query);
        } catch (err) {
          // Inside a transaction the caller decides (writeTransaction retries from BEGIN);
          // a lone statement has changed nothing and can run again.
          if (!isBusyError(err) || internals.client.inTransaction || Date.now() - started > LOCK_WAIT_MS) throw err;
          await lockBackoff(attempt);
        }
      }
    };
  }
}

/**
 * The adapter's BEGIN, made immediate. Refused (another process holds the write lock), it opens
 * a deferred transaction instead, so the adapter's own bookkeeping proceeds normally, and marks
 * the lock refused: waitForWriteLock then rolls that empty transaction back and tries again.
 */
function beginImmediately(cached: (sql: string) => Statement, lock: LockState): BetterSqlite3.RunResult {
  try {
    lock.refused = false;
    return cached("BEGIN IMMEDIATE").run();
  } catch (err) {
    if (!isBusyError(err)) throw err;
    lock.refused = true;
    return cached("BEGIN").run();
  }
}

function waitForWriteLock(internals: AdapterInternals, lock: LockState, transactions: { open: number }): void {
  const original = internals.startTransaction.bind(internals);
  let opened = 0;
  internals.startTransaction = async (isolationLevel?: unknown) => {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      const tx = await original(isolationLevel);
      if (!lock.refused) {
        transactions.open = ++opened;
        // The connection is free of it once Prisma ends it either way.
        whenEnded(tx, () => {
          transactions.open = 0;
        });
        return tx;
      }
      // Nothing has run in it: end it (the adapter's rollback only releases its mutex).
      internals.client.prepare("ROLLBACK").run();
      await tx.rollback();
      if (Date.now() - started > LOCK_WAIT_MS) throw Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" });
      await lockBackoff(attempt);
    }
  };
}
