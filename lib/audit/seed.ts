// Fills the audit chain with `count` realistic entries in batches (one transaction each),
// appending after whatever the chain already holds. Shared by `npm run audit:seed` and the
// benchmark.
import type { Db } from "../db";
import { bulkAppend, type TimedAuditEvent } from "./bulk";
import { seedEvents, type SeedOptions } from "./seed-data";

export interface SeedProgress {
  done: number;
  total: number;
  elapsedMs: number;
}

export async function seedAudit(
  db: Db,
  count: number,
  opts: SeedOptions & { batchSize?: number; end?: Date; onProgress?: (p: SeedProgress) => void } = {},
): Promise<{ lastSeq: number; elapsedMs: number }> {
  const batchSize = opts.batchSize ?? 5000;
  const started = performance.now();
  const idPrefix = opts.idPrefix ?? `seed${Date.now().toString(36)}`;
  let batch: TimedAuditEvent[] = [];
  let done = 0;
  let lastSeq = 0;
  for (const event of seedEvents(count, opts.end ?? new Date(), { ...opts, idPrefix })) {
    batch.push(event);
    if (batch.length === batchSize) {
      lastSeq = await bulkAppend(db, batch);
      done += batch.length;
      batch = [];
      opts.onProgress?.({ done, total: count, elapsedMs: performance.now() - started });
    }
  }
  if (batch.length) {
    lastSeq = await bulkAppend(db, batch);
    done += batch.length;
    opts.onProgress?.({ done, total: count, elapsedMs: performance.now() - started });
  }
  return { lastSeq, elapsedMs: performance.now() - started };
}
