import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { toPostgresSchema } from "./schema-sync";

describe("the PostgreSQL schema", () => {
  it("is the source schema with only the provider and output swapped (run `npm run db:sync-schemas`)", () => {
    const source = readFileSync("prisma/schema.prisma", "utf8");
    expect(readFileSync("prisma/postgresql/schema.prisma", "utf8")).toBe(toPostgresSchema(source));
  });
  it("has the same migrations, by name, as SQLite", async () => {
    const { readdirSync } = await import("node:fs");
    const names = (dir: string) => readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    expect(names("prisma/postgresql/migrations")).toEqual(names("prisma/migrations"));
  });
});
