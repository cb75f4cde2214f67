// Runs on postinstall: keeps the PostgreSQL schema in step with the source schema and
// generates both Prisma clients. `prisma generate` does not execute the schema engine,
// but the CLI insists on having one; offline, where it cannot download it, any existing
// file satisfies the check (see shared notes on the offline toolchain).
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { toPostgresSchema } from "../lib/db/schema-sync";

const source = readFileSync("prisma/schema.prisma", "utf8");
writeFileSync("prisma/postgresql/schema.prisma", toPostgresSchema(source));

const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
const prismaCli = createRequire(import.meta.url).resolve("prisma/build/index.js");
for (const schema of ["prisma/schema.prisma", "prisma/postgresql/schema.prisma"]) {
  execFileSync(process.execPath, [prismaCli, "generate", "--schema", schema], { env, stdio: "inherit" });
}
