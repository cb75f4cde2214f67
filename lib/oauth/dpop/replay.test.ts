import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../db/client";
import { testDatabases } from "../../../tests/harness/databases";
import { dbReplayStore, memoryReplayStore, pruneSeenJti } from "./replay";

const NOW = new Date("2026-11-22T10:00:00Z");
const later = (s: number) => new Date(NOW.getTime() + s * 1000);

describe.each(testDatabases())("jti replay store on $name", (target) => {
  let db: Db;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());

  it("accepts a jti once and refuses it while it is remembered", async () => {
    const store = dbReplayStore(db, "dpop");
    expect(await store.use("jti-1", later(60), NOW)).toBe(true);
    expect(await store.use("jti-1", later(60), later(30))).toBe(false);
  });

  it("keeps purposes apart", async () => {
    expect(await dbReplayStore(db, "dpop").use("shared", later(60), NOW)).toBe(true);
    expect(await dbReplayStore(db, "client_assertion").use("shared", later(60), NOW)).toBe(true);
  });

  it("lets exactly one of many concurrent uses of a jti through", async () => {
    const store = dbReplayStore(db, "dpop");
    const results = await Promise.all(Array.from({ length: 8 }, () => store.use("racy", later(60), NOW)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("forgets a jti after it expires, and prunes expired records", async () => {
    const store = dbReplayStore(db, "dpop");
    expect(await store.use("old", later(10), NOW)).toBe(true);
    expect(await store.use("old", later(80), later(20))).toBe(true);
    expect(await store.use("old", later(80), later(30))).toBe(false);
    expect(await pruneSeenJti(db, later(3600))).toBeGreaterThan(0);
    expect(await db.seenJti.count()).toBe(0);
  });

  it("stores hashed keys of bounded length whatever the jti", async () => {
    const store = dbReplayStore(db, "dpop");
    expect(await store.use("x".repeat(5000), later(60), NOW)).toBe(true);
    const rows = await db.seenJti.findMany();
    expect(rows.every((r) => r.key.length < 64)).toBe(true);
  });
});

describe("memory replay store", () => {
  it("accepts a jti once until it expires", async () => {
    const store = memoryReplayStore();
    expect(await store.use("a", later(10), NOW)).toBe(true);
    expect(await store.use("a", later(10), later(5))).toBe(false);
    expect(await store.use("a", later(30), later(11))).toBe(true);
  });
});
