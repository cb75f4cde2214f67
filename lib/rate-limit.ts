// Fixed-window rate limits kept in the database, so every process (web app instances, the MCP
// server) counts against the same buckets. Used where a count must be exact across processes:
// the per-account sign-in count, registration, CIBA and device endpoints (RFC 6749 section
// 10.10, RFC 8628 section 5.2, OWASP Authentication Cheat Sheet). Budgets that only bound
// abuse and must cost no write per request are in memory (lib/memory-rate-limit.ts).
//
// A bucket is { key, count, resetAt }. Each call takes one unit: inside a write transaction it
// increments a live bucket, or restarts an expired one, or creates a missing one. On SQLite the
// transaction holds the database write lock from its first statement; on PostgreSQL the
// UPDATE takes a row lock and re-checks its WHERE after waiting, so concurrent callers never
// lose a count. Two first-ever callers racing to create the same bucket on PostgreSQL: one
// insert fails on the primary key, and that caller retries (then finds the bucket live).
import type { Db, Tx } from "./db";
import { writeTransaction } from "./db";

export interface RateLimitRule {
  /** Units allowed per window. */
  limit: number;
  windowSeconds: number;
}

export interface RateLimitResult {
  allowed: boolean;
  /** Seconds until the window resets when refused (at least 1); 0 when allowed. */
  retryAfterSeconds: number;
  /** Units left in this window after this call. */
  remaining: number;
  resetAt: Date;
}

/** Takes one unit from the bucket `key`, in its own write transaction. */
export async function consumeRateLimit(db: Db, key: string, rule: RateLimitRule, now: Date = new Date()): Promise<RateLimitResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await writeTransaction(db, (tx) => consumeRateLimitTx(tx, key, rule, now));
      maybePrune(db, now);
      return result;
    } catch (err) {
      if (attempt < 3 && isUniqueViolation(err)) continue;
      throw err;
    }
  }
}

/** The same, inside a caller's write transaction (the caller handles a unique-violation retry). */
export async function consumeRateLimitTx(tx: Tx, key: string, rule: RateLimitRule, now: Date = new Date()): Promise<RateLimitResult> {
  checkRule(rule);
  const live = await tx.rateLimitBucket.updateMany({
    where: { key, resetAt: { gt: now } },
    data: { count: { increment: 1 } },
  });
  if (live.count === 0) {
    const resetAt = new Date(now.getTime() + rule.windowSeconds * 1000);
    const restarted = await tx.rateLimitBucket.updateMany({ where: { key, resetAt: { lte: now } }, data: { count: 1, resetAt } });
    if (restarted.count === 0) await tx.rateLimitBucket.create({ data: { key, count: 1, resetAt } });
  }
  const bucket = await tx.rateLimitBucket.findUniqueOrThrow({ where: { key } });
  return resultOf(bucket.count, bucket.resetAt, rule, now);
}

/** Reads a bucket without taking a unit. */
export async function peekRateLimit(db: Db | Tx, key: string, rule: RateLimitRule, now: Date = new Date()): Promise<RateLimitResult> {
  const bucket = await db.rateLimitBucket.findUnique({ where: { key } });
  if (!bucket || bucket.resetAt <= now) return resultOf(0, new Date(now.getTime() + rule.windowSeconds * 1000), rule, now);
  return resultOf(bucket.count, bucket.resetAt, rule, now);
}

/** Forgets a bucket (for example the failed sign-ins of an account after a successful one). */
export async function resetRateLimit(db: Db | Tx, key: string): Promise<void> {
  await db.rateLimitBucket.deleteMany({ where: { key } });
}

/** Deletes buckets whose window ended before `now`. Returns how many. */
export async function pruneRateLimitBuckets(db: Db, now: Date = new Date()): Promise<number> {
  const { count } = await db.rateLimitBucket.deleteMany({ where: { resetAt: { lte: now } } });
  return count;
}

/** A Retry-After header value (RFC 9110 section 10.2.3) for a refused result. */
export function retryAfterHeader(result: RateLimitResult): Record<string, string> {
  return result.allowed ? {} : { "Retry-After": String(result.retryAfterSeconds) };
}

function resultOf(count: number, resetAt: Date, rule: RateLimitRule, now: Date): RateLimitResult {
  const allowed = count <= rule.limit;
  const retryAfterSeconds = allowed ? 0 : Math.max(1, Math.ceil((resetAt.getTime() - now.getTime()) / 1000));
  return { allowed, retryAfterSeconds, remaining: Math.max(0, rule.limit - count), resetAt };
}

function checkRule(rule: RateLimitRule): void {
  if (!Number.isInteger(rule.limit) || rule.limit < 0) throw new RangeError("rate limit: limit must be a non-negative integer");
  if (!(rule.windowSeconds > 0)) throw new RangeError("rate limit: windowSeconds must be positive");
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "P2002";
}

// Expired buckets are garbage; about one call in a hundred sweeps them, off the caller's path.
function maybePrune(db: Db, now: Date): void {
  if (Math.random() >= 0.01) return;
  pruneRateLimitBuckets(db, now).catch(() => {});
}

/**
 * Takes one unit from each of several buckets in one transaction (for example per account and
 * per account+address), and answers with the most restrictive result.
 */
export async function consumeRateLimits(
  db: Db,
  buckets: { key: string; rule: RateLimitRule }[],
  now: Date = new Date(),
): Promise<RateLimitResult> {
  if (buckets.length === 0) throw new RangeError("rate limit: no buckets given");
  for (let attempt = 1; ; attempt++) {
    try {
      const results = await writeTransaction(db, async (tx) => {
        const out: RateLimitResult[] = [];
        for (const b of buckets) out.push(await consumeRateLimitTx(tx, b.key, b.rule, now));
        return out;
      });
      maybePrune(db, now);
      return mostRestrictive(results);
    } catch (err) {
      if (attempt < 3 && isUniqueViolation(err)) continue;
      throw err;
    }
  }
}

function mostRestrictive(results: RateLimitResult[]): RateLimitResult {
  const refused = results.filter((r) => !r.allowed);
  if (refused.length) return refused.reduce((a, b) => (b.retryAfterSeconds > a.retryAfterSeconds ? b : a));
  return results.reduce((a, b) => (b.remaining < a.remaining ? b : a));
}
