// Leader election: on PostgreSQL, exactly one of several processes' elections holds an office,
// and it moves when the leader's session ends (as when its process is killed: the e2e topology
// test kills a real one) or when the leader steps down. On SQLite the web app owns every office.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { testDatabases } from "../../tests/harness/databases";
import { AdvisoryLockElection } from "./advisory-lock";
import { FixedElection } from "./election";

const quiet = () => undefined;

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not reached");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("leader election on SQLite", () => {
  it("checklist 208: the web app owns every office, the MCP server none", async () => {
    const web = new FixedElection(true, "web-1", "web app", quiet);
    const mcp = new FixedElection(false, "mcp-1", "web app", quiet);
    let runs = 0;
    const stopWork = web.runAsLeader("outbox reconciler", () => {
      runs++;
      return () => void runs--;
    });
    mcp.runAsLeader("outbox reconciler", () => {
      runs += 100;
    });
    expect(runs).toBe(1);
    expect(web.status()).toEqual([{ task: "outbox reconciler", leader: true, holder: "web-1" }]);
    expect(mcp.isLeader("outbox reconciler")).toBe(false);
    await stopWork();
    expect(runs).toBe(0);
    await web.stop();
    expect(web.isLeader("outbox reconciler")).toBe(false);
  });
});

const pgTarget = testDatabases().find((t) => t.name === "postgresql");

describe.runIf(pgTarget)("leader election on PostgreSQL", () => {
  const target = pgTarget!;
  const elections: AdvisoryLockElection[] = [];
  const make = (name: string) => {
    const e = new AdvisoryLockElection({ databaseUrl: target.url(), name, retryMs: 100, log: quiet });
    elections.push(e);
    return e;
  };
  beforeAll(async () => {
    await target.open();
  });
  afterAll(async () => {
    await Promise.all(elections.map((e) => e.stop()));
    await target.close();
  });

  it("checklist 208: one of three leads, work runs only there, and every one knows who leads", async () => {
    const [a, b, c] = [make("inst-a"), make("inst-b"), make("inst-c")];
    const running = new Set<string>();
    for (const [e, name] of [[a, "a"], [b, "b"], [c, "c"]] as const) {
      e.runAsLeader("audit checkpoint", () => {
        running.add(name);
        return () => void running.delete(name);
      });
    }
    await Promise.all([a.settled(), b.settled(), c.settled()]);
    await until(() => [a, b, c].every((e) => e.status()[0]?.holder !== null));
    const leaders = [a, b, c].filter((e) => e.isLeader("audit checkpoint"));
    expect(leaders).toHaveLength(1);
    expect(running.size).toBe(1);
    const holder = leaders[0]?.status()[0]?.holder;
    for (const e of [a, b, c]) expect(e.status()[0]?.holder).toBe(holder);

    // The leader's session dies (its process was killed, or the network cut it): the lock frees
    // and a follower takes the office within a few retry periods.
    const admin = new pg.Client({ connectionString: target.url() });
    await admin.connect();
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [`agent-grants ${holder}`]);
    await admin.end();
    await until(() => !leaders[0]?.isLeader("audit checkpoint"));
    await until(() => [a, b, c].filter((e) => e.isLeader("audit checkpoint")).length === 1);
    const next = [a, b, c].find((e) => e.isLeader("audit checkpoint"))!;
    expect(running.size).toBe(1);

    // A leader that steps down (graceful shutdown) stops its work, then frees the office.
    await next.stop();
    expect(next.isLeader("audit checkpoint")).toBe(false);
    await until(() => [a, b, c].filter((e) => e !== next && e.isLeader("audit checkpoint")).length === 1);
    expect(running.size).toBe(1);
  });

  it("checklist 208: offices are independent: different tasks may lead in different places", async () => {
    const a = make("inst-d");
    a.campaign("retention sweeps");
    await a.settled();
    expect(a.isLeader("retention sweeps")).toBe(true);
    const b = make("inst-e");
    b.campaign("retention sweeps");
    b.campaign("refresh successor erasure");
    await b.settled();
    expect(b.isLeader("retention sweeps")).toBe(false);
    expect(b.isLeader("refresh successor erasure")).toBe(true);
    expect(b.status().find((s) => s.task === "retention sweeps")?.holder).toBe("inst-d");
  });
});
