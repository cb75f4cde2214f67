import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { testDatabases } from "../../tests/harness/databases";
import { verifyChain } from "./verify";

const PER_WORKER = 150;

function startWorker(url: string, name: string): { child: ChildProcess; ready: Promise<void>; done: Promise<number | null> } {
  const child = spawn(process.execPath, ["--import", "tsx", "lib/audit/testing/append-worker.ts", url, String(PER_WORKER), name], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => d.toString().includes("ready") && resolve());
    child.once("exit", (code) => reject(new Error(`worker ${name} exited early (${code})`)));
  });
  const done = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { child, ready, done };
}

describe.each(testDatabases())("audit chain under concurrent writers on $name", (target) => {
  let db: Db;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());

  it("two processes appending at once leave one valid chain holding every entry", async () => {
    const workers = [startWorker(target.url(), "a"), startWorker(target.url(), "b")];
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.child.stdin!.end("go\n");
    expect(await Promise.all(workers.map((w) => w.done))).toEqual([0, 0]);

    const result = await verifyChain(db, { batchSize: 64 });
    expect(result).toMatchObject({ ok: true, checked: 2 * PER_WORKER, headSeq: 2 * PER_WORKER });
    const byWriter = await db.auditEvent.groupBy({ by: ["actorId"], _count: { _all: true } });
    expect(Object.fromEntries(byWriter.map((g) => [g.actorId, g._count._all]))).toEqual({ a: PER_WORKER, b: PER_WORKER });
    // The writers really interleaved: the chain is not simply all of a, then all of b.
    const order = (await db.auditEvent.findMany({ orderBy: { seq: "asc" }, select: { actorId: true } })).map((r) => r.actorId);
    const switches = order.filter((a, i) => i > 0 && a !== order[i - 1]).length;
    expect(switches).toBeGreaterThan(1);
  }, 120_000);
});
