// npm run audit:seed -- <count> [--seed <n>] [--batch <n>]
// Appends <count> realistic, validly chained audit entries to the configured database
// (DATABASE_URL, or the development SQLite file), after any entries already there.
import { loadConfig } from "../lib/config";
import { createDb } from "../lib/db/client";
import { seedAudit } from "../lib/audit/seed";
import { readHead } from "../lib/audit/rows";
import { migrateInChild } from "./audit-migrate";
import { progress } from "./progress";
import { errorMessage } from "../lib/error-message";

function parseArgs(argv: string[]) {
  const positional: string[] = [];
  const flags: Record<string, string> = {};
  const rest = argv.values();
  for (const arg of rest) {
    if (arg.startsWith("--")) flags[arg.slice(2)] = rest.next().value ?? "";
    else positional.push(arg);
  }
  const count = Number((positional[0] ?? "").replace(/[_,]/g, ""));
  if (!Number.isInteger(count) || count < 1) throw new Error("usage: npm run audit:seed -- <count> [--seed <n>] [--batch <n>]");
  const seed = flags.seed ? Number(flags.seed) : Date.now() % 100000;
  const batch = flags.batch ? Number(flags.batch) : 5000;
  if (!Number.isInteger(batch) || batch < 1 || batch > 50000) throw new Error("--batch must be an integer from 1 to 50000");
  return { count, seed, batch };
}

try {
  const { count, seed, batch } = parseArgs(process.argv.slice(2));
  const { databaseUrl } = loadConfig();
  // A fresh database is migrated first; a live one (the app running on it) is left alone.
  let db = createDb(databaseUrl);
  if (!(await readHead(db).then(() => true, () => false))) {
    await db.$disconnect();
    migrateInChild(databaseUrl);
    db = createDb(databaseUrl);
  }
  const bar = progress("seeded", count);
  const { lastSeq, elapsedMs } = await seedAudit(db, count, { seed, batchSize: batch, onProgress: ({ done }) => bar.update(done) });
  bar.finish(count);
  await db.$disconnect();
  console.log(`Done: ${count.toLocaleString("en-US")} entries in ${(elapsedMs / 1000).toFixed(1)} s; the chain now ends at seq ${lastSeq}.`);
  process.exit(0);
} catch (err) {
  console.error(`audit:seed: ${errorMessage(err)}`);
  process.exit(1);
}
