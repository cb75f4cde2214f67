import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Db } from "./db/client";
import { testDatabases } from "../tests/harness/databases";
import { consumeRateLimit, consumeRateLimits, peekRateLimit, pruneRateLimitBuckets, resetRateLimit, retryAfterHeader } from "./rate-limit";

const execFileAsync = promisify(execFile);
const rule = { limit: 3, windowSeconds: 60 };
const t0 = new Date("2026-11-22T10:00:00.000Z");
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

describe.each(testDatabases())("fixed-window rate limit on $name", (target) => {
  let db: Db;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());

  it("allows `limit` units in a window and refuses the next with the seconds left", async () => {
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await consumeRateLimit(db, "k:basic", rule, at(i)));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
    expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0]);
    expect(results[3]?.retryAfterSeconds).toBe(57);
    expect(retryAfterHeader(results[3]!)).toEqual({ "Retry-After": "57" });
    expect(retryAfterHeader(results[0]!)).toEqual({});
  });

  it("starts a fresh window once the old one has ended", async () => {
    for (let i = 0; i < 4; i++) await consumeRateLimit(db, "k:window", rule, at(0));
    expect((await consumeRateLimit(db, "k:window", rule, at(59))).allowed).toBe(false);
    const fresh = await consumeRateLimit(db, "k:window", rule, at(60));
    expect(fresh).toMatchObject({ allowed: true, remaining: 2, retryAfterSeconds: 0 });
    expect(fresh.resetAt.getTime()).toBe(at(120).getTime());
  });

  it("keeps separate counts for separate keys", async () => {
    for (let i = 0; i < 4; i++) await consumeRateLimit(db, "k:a", rule, at(0));
    expect((await consumeRateLimit(db, "k:b", rule, at(0))).allowed).toBe(true);
  });

  it("peeks without taking a unit, and reset forgets the bucket", async () => {
    await consumeRateLimit(db, "k:peek", rule, at(0));
    expect((await peekRateLimit(db, "k:peek", rule, at(1))).remaining).toBe(2);
    expect((await peekRateLimit(db, "k:peek", rule, at(1))).remaining).toBe(2);
    await resetRateLimit(db, "k:peek");
    expect((await peekRateLimit(db, "k:peek", rule, at(1))).remaining).toBe(3);
  });

  it("never loses a count when several processes take units at once", async () => {
    const worker = (n: number) =>
      execFileAsync(process.execPath, ["--import", "tsx", "tests/workers/consume-rate-limit.ts", target.url(), "k:race", String(n), "1000"]);
    const outputs = await Promise.all([worker(10), worker(10), worker(10)]);
    const results = outputs.flatMap((o) => JSON.parse(o.stdout) as { allowed: boolean; remaining: number }[]);
    expect(results).toHaveLength(30);
    expect(results.every((r) => r.allowed)).toBe(true);
    const bucket = await db.rateLimitBucket.findUniqueOrThrow({ where: { key: "k:race" } });
    expect(bucket.count).toBe(30);
    // Each call saw its own count: no two callers read the same value.
    expect(new Set(results.map((r) => r.remaining)).size).toBe(30);
  });

  it("admits exactly `limit` of many simultaneous first calls", async () => {
    const results = await Promise.all(Array.from({ length: 12 }, () => consumeRateLimit(db, "k:burst", rule, at(0))));
    expect(results.filter((r) => r.allowed)).toHaveLength(3);
  });

  it("prunes only buckets whose window has ended", async () => {
    await consumeRateLimit(db, "k:old", rule, at(-600));
    await consumeRateLimit(db, "k:live", rule, at(0));
    await pruneRateLimitBuckets(db, at(1));
    expect(await db.rateLimitBucket.findUnique({ where: { key: "k:old" } })).toBeNull();
    expect(await db.rateLimitBucket.findUnique({ where: { key: "k:live" } })).not.toBeNull();
  });

  it("takes from several buckets at once and answers with the most restrictive", async () => {
    const tight = { limit: 1, windowSeconds: 30 };
    const loose = { limit: 5, windowSeconds: 600 };
    const both = [{ key: "k:multi-tight", rule: tight }, { key: "k:multi-loose", rule: loose }];
    expect(await consumeRateLimits(db, both, at(0))).toMatchObject({ allowed: true, remaining: 0 });
    expect(await consumeRateLimits(db, both, at(1))).toMatchObject({ allowed: false, retryAfterSeconds: 29 });
    expect((await peekRateLimit(db, "k:multi-loose", loose, at(2))).remaining).toBe(3);
  });

  it("rejects a nonsensical rule instead of allowing everything", async () => {
    await expect(consumeRateLimit(db, "k:bad", { limit: -1, windowSeconds: 60 }, at(0))).rejects.toThrow(RangeError);
    await expect(consumeRateLimit(db, "k:bad", { limit: 1, windowSeconds: 0 }, at(0))).rejects.toThrow(RangeError);
  });
});
