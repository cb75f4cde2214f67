// One Prisma client per process. Both generated clients have the same model API (they come
// from the same source schema), so the rest of the code is typed against the SQLite one.
import { PrismaClient as SqliteClient } from "../generated/sqlite/client";
import { PrismaClient as PostgresClient } from "../generated/postgresql/client";
import { createRuntimeAdapter } from "./adapter";
import type { PgTransactions } from "./pg-runtime";
import type { SqliteConnection, SqliteConnectionRef } from "./sqlite-runtime";
import { isPostgresUrl, type Provider } from "./target";

export type Db = SqliteClient;
/** A Prisma interactive-transaction client. */
export type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];
export type { Prisma } from "../generated/sqlite/client";

// Kept on the client under a global symbol, not in a module-level map: Next.js may bundle
// this module more than once, and every copy must read the same answer.
const PROVIDER = Symbol.for("agent-grants.db-provider");
const URL_KEY = Symbol.for("agent-grants.db-url");
const SQLITE_CONNECTION = Symbol.for("agent-grants.db-sqlite-connection");
const PG_TRANSACTIONS = Symbol.for("agent-grants.db-pg-transactions");

export function createDb(url: string): Db {
  const { factory: adapter, sqlite, pg } = createRuntimeAdapter(url);
  const client = isPostgresUrl(url) ? (new PostgresClient({ adapter }) as unknown as Db) : new SqliteClient({ adapter });
  Object.defineProperty(client, PROVIDER, { value: isPostgresUrl(url) ? "postgresql" : "sqlite" });
  Object.defineProperty(client, URL_KEY, { value: url });
  if (sqlite) Object.defineProperty(client, SQLITE_CONNECTION, { value: sqlite });
  if (pg) Object.defineProperty(client, PG_TRANSACTIONS, { value: pg });
  return client;
}

/** The SQLite connection under a client made by createDb, once it has connected (else undefined). */
export function sqliteConnectionOf(db: Db): SqliteConnection | undefined {
  return (db as unknown as Record<symbol, SqliteConnectionRef | undefined>)[SQLITE_CONNECTION]?.current;
}

/** On PostgreSQL, where a client made by createDb tells which connection a transaction holds (else undefined). */
export function pgTransactionsOf(db: Db): PgTransactions | undefined {
  return (db as unknown as Record<symbol, PgTransactions | undefined>)[PG_TRANSACTIONS];
}

/** The URL a client was created from (not for transaction clients). */
export function urlOf(db: Db): string | undefined {
  return (db as unknown as Record<symbol, string | undefined>)[URL_KEY];
}

export function providerOf(db: Db): Provider {
  const tagged = (db as unknown as Record<symbol, Provider | undefined>)[PROVIDER];
  if (tagged) return tagged;
  // Transaction clients are separate objects; Prisma records the provider on them too.
  const active = (db as unknown as { _activeProvider?: string })._activeProvider;
  if (active === "postgresql" || active === "sqlite") return active;
  throw new Error("providerOf: not a database client");
}
