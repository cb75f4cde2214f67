// Recognises SQLite's "the database is locked by another connection" (SQLITE_BUSY and its
// extended codes), however it reached us: from better-sqlite3 directly, as the driver
// adapter's error (kind SocketTimeout, its mapping of SQLITE_BUSY), or wrapped by Prisma.
export function isBusyError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === "object" && depth < 5; depth++) {
    const o = e as { code?: unknown; kind?: unknown; cause?: unknown; meta?: unknown; message?: unknown };
    if (typeof o.code === "string" && o.code.startsWith("SQLITE_BUSY")) return true;
    if (o.kind === "SocketTimeout") return true;
    const meta = o.meta as { driverAdapterError?: unknown } | undefined;
    e = meta?.driverAdapterError ?? o.cause;
  }
  return false;
}

// Writers share SQLite's lock in short turns (batches commit in milliseconds, lib/db/group-commit.ts),
// so a waiter that slept longer than a few turns only adds latency: 8 ms instead of 32 cut the send
// path's p99 from 255 to 209 ms at the same CPU per call (docs/benchmarks.md).
const LOCK_BACKOFF_CEILING_MS = 8;

/** 1, 2, 4, 8 ms, each with full jitter, so waiting writers do not retry in step. */
export function lockBackoff(attempt: number): Promise<void> {
  const ceiling = Math.min(LOCK_BACKOFF_CEILING_MS, 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, 1 + Math.random() * ceiling));
}

/** How long a statement or a writer keeps retrying for a SQLite lock (the busy timeout it replaces). */
export const LOCK_WAIT_MS = 10_000;
