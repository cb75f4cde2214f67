// Prisma's generated client and its migrations are provider-specific, so the PostgreSQL
// schema is derived from the single source schema (prisma/schema.prisma, SQLite) by
// swapping only the datasource provider and the generator output. `npm run db:sync-schemas`
// writes it; lib/db/schema-sync.test.ts fails when the committed copy drifts.

export const GENERATED_HEADER =
  "// GENERATED from prisma/schema.prisma by `npm run db:sync-schemas`. Do not edit.\n";

export function toPostgresSchema(sqliteSchema: string): string {
  const swapped = sqliteSchema
    .replace(/provider\s*=\s*"sqlite"/, 'provider = "postgresql"')
    .replace('output       = "../lib/generated/sqlite"', 'output       = "../../lib/generated/postgresql"');
  if (swapped === sqliteSchema || !swapped.includes("generated/postgresql")) {
    throw new Error("prisma/schema.prisma no longer has the expected datasource/generator lines");
  }
  return GENERATED_HEADER + swapped;
}
