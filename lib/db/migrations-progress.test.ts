// `npm run db:migrate` applies one migration at a time to report progress: the same
// migrations end up applied, in order, each reported once, and nothing when up to date.
import { randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { createAdapter } from "./adapter";
import { applyMigrations } from "./migrations";
import { databaseTarget } from "./target";

async function expectProgressThenNothing(url: string) {
  const target = databaseTarget(url);
  const folders = readdirSync(target.migrationsDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  const seen: [number, number, string][] = [];
  const applied = await applyMigrations(target, createAdapter(url), { onProgress: (done, total, name) => seen.push([done, total, name]) });
  expect(applied).toEqual(folders);
  expect(seen).toEqual([[0, folders.length, ""], ...folders.map((name, i) => [i + 1, folders.length, name])]);
  const again: unknown[] = [];
  expect(await applyMigrations(target, createAdapter(url), { onProgress: (...a) => again.push(a) })).toEqual([]);
  expect(again).toEqual([]);
}

describe("migrations applied one at a time, with progress", () => {
  it("on SQLite", async () => {
    mkdirSync("tmp/test-db", { recursive: true });
    const file = path.resolve("tmp/test-db", `progress-${randomUUID()}.db`);
    try {
      await expectProgressThenNothing(`file:${file}`);
    } finally {
      for (const s of ["", "-wal", "-shm", "-journal"]) rmSync(file + s, { force: true });
    }
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)("on PostgreSQL", async () => {
    const base = process.env.TEST_DATABASE_URL!;
    const name = `progress_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
    const admin = async (sql: string) => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      try {
        await c.query(sql);
      } finally {
        await c.end();
      }
    };
    await admin(`CREATE DATABASE ${name}`);
    const u = new URL(base);
    u.pathname = `/${name}`;
    try {
      await expectProgressThenNothing(u.toString());
    } finally {
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  });
});
