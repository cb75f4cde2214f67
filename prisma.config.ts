// Configuration for the stock Prisma CLI (`prisma migrate deploy` and friends where the
// native engine can be downloaded). The app itself migrates with lib/db/migrate.ts.
// DATABASE_URL picks the provider: postgres(ql):// uses prisma/postgresql, anything else
// is the embedded SQLite file.
import { defineConfig } from "prisma/config";
import path from "node:path";

const url = process.env.DATABASE_URL ?? `file:${path.resolve(process.env.DATA_DIR ?? "data", "app.db")}`;
const postgres = /^postgres(ql)?:\/\//.test(url);

export default defineConfig({
  schema: postgres ? "prisma/postgresql/schema.prisma" : "prisma/schema.prisma",
  migrations: { path: postgres ? "prisma/postgresql/migrations" : "prisma/migrations" },
  datasource: { url },
});
