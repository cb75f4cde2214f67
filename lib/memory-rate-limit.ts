// Token buckets kept in this process's memory, for limits that must cost nothing per request:
// the failed client authentications at the token endpoint, the per-address and global sign-in
// budgets that run before Argon2, and the per-address budgets on requests that store something
// for an unauthenticated caller (authorize, PAR, new metadata-document clients).
//
// Why per process is acceptable: these limits bound abuse (guessing, CPU, storage growth),
// they are not quotas anyone is billed by. With N web app processes an address gets at most N
// times its budget, which is still bounded; in exchange no request writes to the database just
// to be counted, and a flood of refused requests costs a map lookup each. (Limits that must be
// exact across processes, such as the per-account sign-in count, stay in lib/rate-limit.ts.)
//
// A bucket holds up to `limit` units and refills continuously at limit/windowSeconds per
// second, so there is no window edge at which a burst of 2 x limit gets through, and a
// refused caller waits only until the next unit (Retry-After). The map is bounded: a full
// bucket is the same as a missing one and is dropped first; past `maxKeys` the oldest go.
import type { RateLimitResult, RateLimitRule } from "./rate-limit";

interface Bucket {
  tokens: number;
  at: number;
}

export const DEFAULT_MAX_KEYS = 100_000;

export class MemoryRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    readonly rule: RateLimitRule,
    private readonly maxKeys: number = DEFAULT_MAX_KEYS,
  ) {
    if (!Number.isInteger(rule.limit) || rule.limit < 1) throw new RangeError("rate limit: limit must be a positive integer");
    if (!(rule.windowSeconds > 0)) throw new RangeError("rate limit: windowSeconds must be positive");
    this.perMs = rule.limit / (rule.windowSeconds * 1000);
  }

  /** Takes one unit from `key` if there is one. */
  consume(key: string, now: Date = new Date()): RateLimitResult {
    const bucket = this.refilled(key, now.getTime());
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      this.store(key, bucket);
      return this.result(true, bucket, now);
    }
    this.store(key, bucket);
    return this.result(false, bucket, now);
  }

  /** Whether `key` has a unit left, without taking it. */
  peek(key: string, now: Date = new Date()): RateLimitResult {
    const bucket = this.refilled(key, now.getTime());
    return this.result(bucket.tokens >= 1, bucket, now);
  }

  /** Gives back one unit taken by consume (for example when the attempt turned out to be good). */
  refund(key: string, now: Date = new Date()): void {
    const bucket = this.refilled(key, now.getTime());
    bucket.tokens = Math.min(this.rule.limit, bucket.tokens + 1);
    if (bucket.tokens >= this.rule.limit) this.buckets.delete(key);
    else this.store(key, bucket);
  }

  /** Number of keys held (for tests of the bound). */
  get size(): number {
    return this.buckets.size;
  }

  private refilled(key: string, nowMs: number): Bucket {
    const held = this.buckets.get(key);
    if (!held) return { tokens: this.rule.limit, at: nowMs };
    const elapsed = Math.max(0, nowMs - held.at);
    return { tokens: Math.min(this.rule.limit, held.tokens + elapsed * this.perMs), at: Math.max(held.at, nowMs) };
  }

  private store(key: string, bucket: Bucket): void {
    this.buckets.delete(key); // re-inserted last: the Map's order is then oldest-touched first
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxKeys) this.shrink(bucket.at);
  }

  private shrink(nowMs: number): void {
    for (const [key, held] of this.buckets) {
      if (held.tokens + (nowMs - held.at) * this.perMs >= this.rule.limit) this.buckets.delete(key);
    }
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= this.maxKeys * 0.9) break;
      this.buckets.delete(key);
    }
  }

  private result(allowed: boolean, bucket: Bucket, now: Date): RateLimitResult {
    const missing = Math.max(0, 1 - bucket.tokens);
    const waitMs = missing / this.perMs;
    const retryAfterSeconds = allowed ? 0 : Math.max(1, Math.ceil(waitMs / 1000));
    const fullInMs = (this.rule.limit - bucket.tokens) / this.perMs;
    return { allowed, retryAfterSeconds, remaining: Math.floor(bucket.tokens), resetAt: new Date(now.getTime() + fullInMs) };
  }
}

/**
 * Counts events per key in fixed windows, in memory (for aggregating audit entries: one entry
 * at the 1st, 2nd, 4th, 8th... event of a window instead of one per event). Bounded like the
 * limiter: expired windows go first, then the oldest.
 */
export class MemoryCounter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly windowSeconds: number,
    private readonly maxKeys: number = DEFAULT_MAX_KEYS,
  ) {}

  /** Adds one event and returns how many `key` has had in its current window. */
  increment(key: string, now: Date = new Date()): number {
    const nowMs = now.getTime();
    const held = this.windows.get(key);
    const live = held && held.resetAt > nowMs ? held : { count: 0, resetAt: nowMs + this.windowSeconds * 1000 };
    live.count += 1;
    this.windows.delete(key);
    this.windows.set(key, live);
    if (this.windows.size > this.maxKeys) {
      for (const [k, w] of this.windows) if (w.resetAt <= nowMs) this.windows.delete(k);
      for (const k of this.windows.keys()) {
        if (this.windows.size <= this.maxKeys * 0.9) break;
        this.windows.delete(k);
      }
    }
    return live.count;
  }
}

/** True for 1, 2, 4, 8...: the counts at which an aggregated audit entry is written. */
export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}
