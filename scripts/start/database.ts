// Applies pending migrations and creates what the processes need on first start.
import { bootstrap } from "../../lib/bootstrap";
import type { AppConfig } from "../../lib/config";
import { createAdapter } from "../../lib/db/adapter";
import { createDb } from "../../lib/db/client";
import { applyMigrations } from "../../lib/db/migrations";
import { databaseTarget } from "../../lib/db/target";

export async function prepareDatabase(cfg: AppConfig): Promise<void> {
  const target = databaseTarget(cfg.databaseUrl);
  const applied = await applyMigrations(target, createAdapter(cfg.databaseUrl));
  if (applied.length) console.log(`Applied ${applied.length} database migration(s) (${target.provider}).`);
  const db = createDb(cfg.databaseUrl);
  try {
    await bootstrap({ db, config: cfg, now: () => new Date() });
  } finally {
    await db.$disconnect();
  }
}
