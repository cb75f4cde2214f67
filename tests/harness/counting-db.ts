// A database client that records every SQL statement it sends, at the Prisma driver adapter
// (so nothing Prisma does is missed, COMMIT included), and the write transactions it opens.
// For tests that guard how much a call does while it holds the write lock, and for
// `npm run bench:queries`.
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory, Transaction } from "@prisma/driver-adapter-utils";
import { PrismaClient as PostgresClient } from "../../lib/generated/postgresql/client";
import { PrismaClient as SqliteClient } from "../../lib/generated/sqlite/client";
import { createAdapter } from "../../lib/db/adapter";
import type { Db } from "../../lib/db/client";
import { isPostgresUrl } from "../../lib/db/target";

export interface Statement {
  sql: string;
  /** Sent inside a transaction (between its start and its COMMIT or ROLLBACK). */
  inTransaction: boolean;
  /** The transaction's number (1 for the first opened), when inside one. */
  transaction?: number;
}

export interface StatementLog {
  statements: Statement[];
  transactions: number;
  /** Forgets what was recorded so far. */
  reset(): void;
}

function counting(factory: SqlMigrationAwareDriverAdapterFactory, log: StatementLog): SqlMigrationAwareDriverAdapterFactory {
  const record = (sql: string, transaction?: number) => log.statements.push({ sql, inTransaction: transaction !== undefined, transaction });
  const countTx = (tx: Transaction, n: number): Transaction =>
    new Proxy(tx, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop === "queryRaw" || prop === "executeRaw") {
          return (...args: unknown[]) => {
            record((args[0] as { sql: string }).sql, n);
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  const countAdapter = (adapter: SqlDriverAdapter): SqlDriverAdapter =>
    new Proxy(adapter, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop === "queryRaw" || prop === "executeRaw") {
          return (...args: unknown[]) => {
            record((args[0] as { sql: string }).sql);
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        if (prop === "startTransaction") {
          return async (...args: unknown[]) => {
            const n = ++log.transactions;
            return countTx(await (value as (...a: unknown[]) => Promise<Transaction>).apply(target, args), n);
          };
        }
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  return new Proxy(factory, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop === "connect") return async () => countAdapter(await (value as () => Promise<SqlDriverAdapter>).call(target));
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** A second client on the database at `url` whose statements are recorded in `log`. */
export function countingDb(url: string): { db: Db; log: StatementLog } {
  const log: StatementLog = {
    statements: [],
    transactions: 0,
    reset() {
      this.statements = [];
      this.transactions = 0;
    },
  };
  const adapter = counting(createAdapter(url), log);
  const db = (isPostgresUrl(url) ? new PostgresClient({ adapter }) : new SqliteClient({ adapter })) as unknown as Db;
  return { db, log };
}
