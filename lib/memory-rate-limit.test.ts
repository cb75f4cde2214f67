import { describe, expect, it } from "vitest";
import { isPowerOfTwo, MemoryCounter, MemoryRateLimiter } from "./memory-rate-limit";

const t0 = new Date("2026-11-22T10:00:00.000Z");
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

describe("in-memory token bucket", () => {
  it("allows `limit` units at once, refills one every window/limit seconds, and says when to retry", () => {
    const limiter = new MemoryRateLimiter({ limit: 3, windowSeconds: 60 });
    expect([1, 2, 3, 4].map(() => limiter.consume("a", at(0)).allowed)).toEqual([true, true, true, false]);
    expect(limiter.consume("a", at(0)).retryAfterSeconds).toBe(20);
    expect(limiter.consume("a", at(19)).allowed).toBe(false);
    expect(limiter.consume("a", at(20)).allowed).toBe(true);
    expect(limiter.consume("b", at(20)).allowed).toBe(true);
  });

  it("gives back a refunded unit, never above the limit, and peeks without taking", () => {
    const limiter = new MemoryRateLimiter({ limit: 2, windowSeconds: 60 });
    limiter.consume("a", at(0));
    limiter.consume("a", at(0));
    expect(limiter.peek("a", at(0)).allowed).toBe(false);
    limiter.refund("a", at(0));
    expect(limiter.peek("a", at(0)).allowed).toBe(true);
    limiter.refund("a", at(0));
    limiter.refund("a", at(0));
    expect(limiter.size).toBe(0); // a full bucket is not kept
  });

  it("keeps at most maxKeys buckets, so distinct keys cannot exhaust memory", () => {
    const limiter = new MemoryRateLimiter({ limit: 5, windowSeconds: 60 }, 100);
    for (let i = 0; i < 1000; i++) limiter.consume(`k${i}`, at(0));
    expect(limiter.size).toBeLessThanOrEqual(100);
  });

  it("counts events per window and marks the 1st, 2nd, 4th, 8th...", () => {
    const counter = new MemoryCounter(60);
    expect([1, 2, 3].map(() => counter.increment("a", at(0)))).toEqual([1, 2, 3]);
    expect(counter.increment("a", at(60))).toBe(1);
    expect([1, 2, 3, 4, 5, 8, 16, 0, 6].map(isPowerOfTwo)).toEqual([true, true, false, true, false, true, true, false, false]);
  });
});
