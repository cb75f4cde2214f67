// Reads a Prisma migrations folder into the shape the schema engine expects, and applies it.
import { existsSync, mkdirSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import Database from "better-sqlite3";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { openSchemaEngine } from "./schema-engine";
import type { DatabaseTarget } from "./target";

export async function loadMigrationsList(baseDir: string) {
  const lockPath = path.join(baseDir, "migration_lock.toml");
  const entries = existsSync(baseDir) ? await readdir(baseDir, { withFileTypes: true }) : [];
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  return {
    baseDir,
    lockfile: { path: "migration_lock.toml", content: existsSync(lockPath) ? await readFile(lockPath, "utf8") : null },
    shadowDbInitScript: "",
    migrationDirectories: await Promise.all(
      dirs.map(async (dir) => ({
        path: dir,
        migrationFile: {
          path: "migration.sql",
          content: { tag: "ok", value: await readFile(path.join(baseDir, dir, "migration.sql"), "utf8") },
        },
      })),
    ),
  };
}

// WAL lets the web app and MCP server read while the other writes; the mode is stored in
// the database file, so setting it once after migrating covers every later connection.
function useWriteAheadLog(file: string) {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const connection = new Database(file);
  try {
    connection.pragma("journal_mode = WAL");
  } finally {
    connection.close();
  }
}

const noFilters = { externalTables: [], externalEnums: [] };

/** After each migration applied: how many of the pending ones are done, and its name. */
export type MigrationProgress = (done: number, total: number, name: string) => void;

/**
 * Applies pending migrations; returns the names of those just applied. With `onProgress`,
 * one at a time: the engine is handed the folder up to and including the next pending
 * migration, so a long migration shows where it stands (`npm run db:migrate`).
 */
export async function applyMigrations(target: DatabaseTarget, adapter: SqlMigrationAwareDriverAdapterFactory, { onProgress }: { onProgress?: MigrationProgress } = {}): Promise<string[]> {
  if (target.provider === "sqlite") useWriteAheadLog(target.filePath!);
  const engine = await openSchemaEngine(target.schemaPath, adapter);
  try {
    const migrationsList = await loadMigrationsList(target.migrationsDir);
    const pending = onProgress ? await pendingMigrations(engine, migrationsList) : undefined;
    if (!pending) {
      const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList, filters: noFilters });
      return appliedMigrationNames;
    }
    const applied: string[] = [];
    if (pending.length) onProgress?.(0, pending.length, "");
    for (const name of pending) {
      const upTo = migrationsList.migrationDirectories.findIndex((d) => d.path === name);
      const { appliedMigrationNames } = await engine.applyMigrations({
        migrationsList: { ...migrationsList, migrationDirectories: migrationsList.migrationDirectories.slice(0, upTo + 1) },
        filters: noFilters,
      });
      applied.push(...appliedMigrationNames);
      onProgress?.(applied.length, pending.length, name);
    }
    return applied;
  } finally {
    await engine.close();
  }
}

/**
 * The migrations the database lacks, in order, when it simply is behind the folder; undefined
 * in any other state (diverged, edited, failed), which the engine's own single apply reports.
 */
async function pendingMigrations(engine: Awaited<ReturnType<typeof openSchemaEngine>>, migrationsList: Awaited<ReturnType<typeof loadMigrationsList>>): Promise<string[] | undefined> {
  let d: Awaited<ReturnType<typeof engine.diagnoseMigrationHistory>>;
  try {
    d = await engine.diagnoseMigrationHistory({ migrationsList, optInToShadowDatabase: false, filters: noFilters });
  } catch {
    // A fresh database has no _prisma_migrations table yet, and the engine refuses to diagnose
    // it: every migration is pending.
    return migrationsList.migrationDirectories.map((m) => m.path);
  }
  if (d.failedMigrationNames.length || d.editedMigrationNames.length) return undefined;
  const history = d.history as { diagnostic: string; unappliedMigrationNames?: string[] } | null;
  if (history === null) return [];
  return history.diagnostic === "databaseIsBehind" ? history.unappliedMigrationNames : undefined;
}

/**
 * The engine replays each migration file on SQLite's shadow database with one executeRaw
 * call, but better-sqlite3 prepares one statement at a time; the shadow connection runs such
 * calls as scripts.
 */
function withWorkingShadowDb(factory: SqlMigrationAwareDriverAdapterFactory): SqlMigrationAwareDriverAdapterFactory {
  const wrapped = Object.create(factory) as SqlMigrationAwareDriverAdapterFactory;
  wrapped.connect = () => factory.connect();
  wrapped.connectToShadowDb = () => sqliteShadow(factory);
  return wrapped;
}

async function sqliteShadow(factory: SqlMigrationAwareDriverAdapterFactory) {
  const shadow = await factory.connectToShadowDb();
  const executeRaw = shadow.executeRaw.bind(shadow);
  shadow.executeRaw = async (query) => {
    if (query.args.length === 0 && /;\s*\S/.test(query.sql)) {
      await shadow.executeScript(query.sql);
      return 0;
    }
    return executeRaw(query);
  };
  return shadow;
}

/**
 * The SQL that takes a database from `from` to the schema file. SQLite diffs from the
 * migrations folder itself (replayed on a shadow database). PostgreSQL cannot: the WebAssembly
 * engine cannot introspect PostgreSQL through the driver adapter (it fails on the catalogs'
 * "char" columns), so it diffs from the previous schema text, which the SQLite check keeps
 * equal to what the migrations build.
 */
export async function diffToSchema(
  target: DatabaseTarget,
  adapter: SqlMigrationAwareDriverAdapterFactory,
  previousSchema?: string,
): Promise<string> {
  const engine = await openSchemaEngine(target.schemaPath, target.provider === "sqlite" ? withWorkingShadowDb(adapter) : adapter);
  try {
    const migrationsList = await loadMigrationsList(target.migrationsDir);
    const from =
      target.provider === "sqlite" && migrationsList.migrationDirectories.length
        ? { tag: "migrations", ...migrationsList }
        : previousSchema && migrationsList.migrationDirectories.length
          ? { tag: "schemaDatamodel", files: [{ path: target.schemaPath, content: previousSchema }] }
          : { tag: "empty" };
    const schema = await readFile(target.schemaPath, "utf8");
    const result = await engine.diff({
      from,
      to: { tag: "schemaDatamodel", files: [{ path: target.schemaPath, content: schema }] },
      script: true,
      exitCode: null,
      filters: noFilters,
    });
    return result.stdout ?? "";
  } finally {
    await engine.close();
  }
}
