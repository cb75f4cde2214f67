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

/** Applies pending migrations; returns the names of those just applied. */
export async function applyMigrations(target: DatabaseTarget, adapter: SqlMigrationAwareDriverAdapterFactory): Promise<string[]> {
  if (target.provider === "sqlite") useWriteAheadLog(target.filePath!);
  const engine = await openSchemaEngine(target.schemaPath, adapter);
  try {
    const migrationsList = await loadMigrationsList(target.migrationsDir);
    const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList, filters: noFilters });
    return appliedMigrationNames;
  } finally {
    engine.free();
  }
}

/** The SQL that takes the database described by the migrations folder to the schema file. */
export async function diffMigrationsToSchema(target: DatabaseTarget, adapter: SqlMigrationAwareDriverAdapterFactory): Promise<string> {
  const engine = await openSchemaEngine(target.schemaPath, adapter);
  try {
    const migrationsList = await loadMigrationsList(target.migrationsDir);
    const from = migrationsList.migrationDirectories.length ? { tag: "migrations", ...migrationsList } : { tag: "empty" };
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
    engine.free();
  }
}
