import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "./db/client";
import { testDatabases } from "../tests/harness/databases";
import { handleLive, handleReady } from "./health";
import { FixedElection } from "./leader/election";

describe("liveness", () => {
  it("answers 200 ok without touching anything", async () => {
    const res = handleLive();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
    expect(res.headers.get("cache-control")).toBe("no-store");
  });
});

describe.each(testDatabases())("readiness on $name", (target) => {
  let db: Db;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());

  it("is ready when the database answers", async () => {
    const res = await handleReady(() => db);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", checks: { database: "ok" } });
  });

  it("checklist 209: turns red while the instance drains, and says who leads each singleton task", async () => {
    const election = new FixedElection(true, "web-9", "web app", () => undefined);
    election.campaign("audit checkpoint");
    const state = { draining: false, election };
    const ok = await handleReady(() => db, state);
    expect(await ok.json()).toEqual({ status: "ok", checks: { database: "ok" }, leaders: { "audit checkpoint": { leader: true, holder: "web-9" } } });
    state.draining = true;
    const draining = await handleReady(() => db, state);
    expect(draining.status).toBe(503);
    expect(await draining.json()).toMatchObject({ status: "draining" });
  });
});

describe("readiness without a database", () => {
  it("answers 503 with a reason when the database is unreachable", async () => {
    const broken = createDb("postgresql://nobody:nothing@127.0.0.1:1/none");
    try {
      const res = await handleReady(() => broken);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: "unavailable", checks: { database: "failed" }, reason: "database unreachable" });
    } finally {
      await broken.$disconnect().catch(() => {});
    }
  });

  it("answers 503, not 500, when the database cannot even be opened", async () => {
    const res = await handleReady(() => {
      throw new Error("Invalid configuration");
    });
    expect(res.status).toBe(503);
    expect((await res.json()).reason).toMatch(/cannot be opened/);
  });
});
