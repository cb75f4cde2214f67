import { mkdirSync } from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { testDatabases } from "../../tests/harness/databases";
import { createAdapter } from "./adapter";
import { diffToSchema } from "./migrations";
import { databaseTarget } from "./target";

// Like `prisma migrate diff --exit-code`: a schema edit without its migration fails here.
describe("migrations", () => {
  it("take an empty SQLite database exactly to prisma/schema.prisma", async () => {
    mkdirSync("tmp", { recursive: true });
    const url = `file:${path.resolve("tmp", `diff-${randomUUID()}.db`)}`;
    const sql = await diffToSchema(databaseTarget(url), createAdapter(url));
    expect(sql.trim()).toMatch(/^(-- This is an empty migration\.)?$/);
  });

  const databases = testDatabases();
  afterAll(() => Promise.all(databases.map((d) => d.close())));

  it.skipIf(databases.length < 2)("build the same tables and columns on PostgreSQL as on SQLite", async () => {
    const [sqlite, postgres] = await Promise.all(databases.map((d) => d.open()));
    const sqliteColumns = await sqlite!.$queryRawUnsafe<{ t: string; c: string }[]>(
      `SELECT m.name AS t, p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`,
    );
    const pgColumns = await postgres!.$queryRawUnsafe<{ t: string; c: string }[]>(
      `SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns WHERE table_schema = 'public'`,
    );
    const key = (rows: { t: string; c: string }[]) => rows.map((r) => `${r.t}.${r.c}`).sort();
    expect(key(pgColumns)).toEqual(key(sqliteColumns));
  });
});
