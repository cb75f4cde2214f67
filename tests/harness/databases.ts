// Fresh, migrated databases for integration tests: SQLite always, PostgreSQL too when
// TEST_DATABASE_URL is set. Use with describe.each(testDatabases()):
//
//   describe.each(testDatabases())("token endpoint on $name", (target) => {
//     let db: Db;
//     beforeAll(async () => { db = await target.open(); });
//     afterAll(() => target.close());
//   });
import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { createAdapter } from "../../lib/db/adapter";
import { createDb, type Db } from "../../lib/db/client";
import { applyMigrations } from "../../lib/db/migrations";
import { databaseTarget } from "../../lib/db/target";

export interface TestDatabase {
  name: "sqlite" | "postgresql";
  /** Creates and migrates a fresh database, and returns a client for it. */
  open(): Promise<Db>;
  /** The URL of the database opened last (for child processes). */
  url(): string;
  close(): Promise<void>;
}

function sqliteDatabase(): TestDatabase {
  let url = "";
  let client: Db | undefined;
  let file = "";
  return {
    name: "sqlite",
    url: () => url,
    async open() {
      const dir = path.resolve("tmp/test-db");
      mkdirSync(dir, { recursive: true });
      file = path.join(dir, `${randomUUID()}.db`);
      url = `file:${file}`;
      await applyMigrations(databaseTarget(url), createAdapter(url));
      client = createDb(url);
      return client;
    },
    async close() {
      await client?.$disconnect();
      for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(file + suffix, { force: true });
    },
  };
}

/** The server's maintenance database at the same address and role as `url`, for CREATE and DROP DATABASE. */
export function maintenanceUrl(url: string): string {
  const u = new URL(url);
  u.pathname = "/postgres";
  return u.toString();
}

function postgresDatabase(baseUrl: string): TestDatabase {
  let url = "";
  let name = "";
  let client: Db | undefined;
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>) => {
    let c = new pg.Client({ connectionString: baseUrl });
    try {
      await c.connect();
    } catch (err) {
      // The URL may name a database that does not exist yet (bench:compare creates its own from
      // the same BENCH_DATABASE_URL): CREATE DATABASE then runs from the server's maintenance one.
      if ((err as { code?: unknown }).code !== "3D000") throw err;
      c = new pg.Client({ connectionString: maintenanceUrl(baseUrl) });
      await c.connect();
    }
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  // Cleanup, not the subject of any test: a backend the test role may not stop (an autovacuum
  // worker, without pg_signal_backend) can hold the database briefly, so retry, then warn.
  const dropWithRetry = async (db: string) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin((c) => c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`));
        return;
      } catch (err) {
        if (attempt >= 10) {
          console.warn(`test harness: could not drop ${db}: ${(err as Error).message}`);
          return;
        }
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  };
  return {
    name: "postgresql",
    url: () => url,
    async open() {
      name = `t_${randomUUID().replace(/-/g, "").slice(0, 20)}`;
      await admin((c) => c.query(`CREATE DATABASE ${name}`));
      const u = new URL(baseUrl);
      u.pathname = `/${name}`;
      url = u.toString();
      await applyMigrations(databaseTarget(url), createAdapter(url));
      client = createDb(url);
      return client;
    },
    async close() {
      await client?.$disconnect();
      if (name) await dropWithRetry(name);
    },
  };
}

/** SQLite always, first; PostgreSQL too when TEST_DATABASE_URL names a server. */
export function testDatabases(): [TestDatabase, ...TestDatabase[]] {
  const sqlite = sqliteDatabase();
  return process.env.TEST_DATABASE_URL ? [sqlite, postgresDatabase(process.env.TEST_DATABASE_URL)] : [sqlite];
}
