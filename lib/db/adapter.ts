// The Prisma driver adapter for a database URL: embedded SQLite through better-sqlite3,
// or PostgreSQL through node-postgres.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import type { PoolConfig } from "pg";
import { parse } from "pg-connection-string";
import type { SqlDriverAdapterFactory, SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { PgTransactions, pgRuntimeFactory } from "./pg-runtime";
import { sqliteRuntimeFactory, type SqliteConnectionRef } from "./sqlite-runtime";
import { databaseTarget } from "./target";

export function createAdapter(url: string): SqlMigrationAwareDriverAdapterFactory {
  const target = databaseTarget(url);
  if (target.provider === "postgresql") {
    // Discrete fields rather than connectionString: the adapter's shadow database (used to
    // diff migrations) overrides `database`, which a connectionString would silently win over.
    const fields = parse(url) as PoolConfig;
    return new PrismaPg({ ...fields, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });
  }
  const file = target.filePath!;
  if (file !== ":memory:") mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  // WAL lets readers in other processes proceed while one process writes; a busy timeout
  // makes concurrent writers (web app and MCP server) queue instead of failing. A running
  // process's connection waits asynchronously instead (createRuntimeAdapter).
  return new PrismaBetterSqlite3({ url: file, timeout: 10_000 }, { timestampFormat: "unixepoch-ms" });
}

export interface RuntimeAdapter {
  factory: SqlDriverAdapterFactory;
  /** On SQLite, the connection the factory opened, once Prisma has connected (./direct-statements.ts). */
  sqlite?: SqliteConnectionRef;
  /** On PostgreSQL, which pooled connection each write transaction holds (./direct-statements.ts). */
  pg?: PgTransactions;
}

/**
 * The adapter a running process queries through: on SQLite, no synchronous lock waits and cached
 * statements (lib/db/sqlite-runtime.ts); on PostgreSQL, transactions whose connection is known
 * (lib/db/pg-runtime.ts).
 */
export function createRuntimeAdapter(url: string): RuntimeAdapter {
  const factory = createAdapter(url);
  if (databaseTarget(url).provider !== "sqlite") {
    const pg = new PgTransactions();
    return { factory: pgRuntimeFactory(factory, pg), pg };
  }
  const sqlite: SqliteConnectionRef = { current: undefined };
  return { factory: sqliteRuntimeFactory(factory, sqlite), sqlite };
}
