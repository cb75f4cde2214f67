// Applies pending migrations in a child process before an audit script opens the database.
// (In a child, so the schema engine's connection is gone, with its SQLite lock, before the
// script's own connection writes.)
import { spawnSync } from "node:child_process";

export function migrateInChild(databaseUrl: string): void {
  const result = spawnSync(process.execPath, ["--import", "tsx", "scripts/db.ts", "migrate"], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`migrating the database failed: ${(result.stderr || result.stdout).trim()}`);
}
