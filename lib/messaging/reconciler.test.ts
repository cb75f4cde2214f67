import { spawn } from "node:child_process";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../db";
import { testDatabases } from "../../tests/harness/databases";
import { acceptMessage } from "./accept";
import { deliverMessage } from "./deliver";
import { webhookProvider } from "./providers/webhook";
import { startRecordingServer, type RecordingServer } from "./providers/recording-server";
import { reconcileOutbox, type ReconcileResult } from "./reconciler";
import { makeGrant, testDeps } from "./test-fixtures";

const actor = { type: "service" as const, id: "mcp-server" };
const later = (ms: number) => () => new Date(Date.now() + ms);
const at = (d: Date) => () => d;

// A provider that takes each message and answers only after the caller gave up waiting.
const SLOW = { MESSAGING_PROVIDER_TIMEOUT_SECONDS: "1", MESSAGING_LEASE_SECONDS: "5", MESSAGING_RETRY_BASE_SECONDS: "60", MESSAGING_RETRY_MAX_SECONDS: "600", MESSAGING_MAX_ATTEMPTS: "3" };
const slowProvider = (hook: RecordingServer) => webhookProvider({ url: `${hook.url}/hook`, timeoutMs: 1_000 });

/** One reconciler pass in a child process, started together with the caller's own pass. */
function childReconciler(dbUrl: string, hookUrl: string, now: Date, holder: string) {
  const child = spawn(process.execPath, ["--import", "tsx", "tests/workers/reconcile-outbox.ts", dbUrl, hookUrl, now.toISOString(), holder, JSON.stringify(SLOW)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  let out = "";
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      if (out.includes("ready\n")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`worker exited early (${code})`)));
  });
  const done = new Promise<ReconcileResult>((resolve, reject) =>
    child.once("exit", (code) => (code === 0 ? resolve(JSON.parse(out.split("\n").filter(Boolean).pop()!)) : reject(new Error(`worker failed (${code})`)))),
  );
  return { ready, go: () => child.stdin.end("go\n"), done };
}

describe.each(testDatabases())("outbox reconciler on $name", (target) => {
  let db: Db;
  let hook: RecordingServer;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());
  beforeEach(async () => {
    hook = await startRecordingServer();
    // Each test counts only its own messages: settle what earlier tests left pending.
    await db.message.updateMany({ where: { status: "pending" }, data: { status: "failed" } });
  });
  afterEach(() => hook.close());

  const sendsOf = (id: string) => hook.requests.filter((r) => r.headers["idempotency-key"] === id).length;
  const typesOf = async (grantId: string) => (await db.auditEvent.findMany({ where: { grantId }, orderBy: { seq: "asc" } })).map((e) => e.type);
  const queue = async (n: number) => {
    const g = await makeGrant(db, { maxMessages: n });
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await acceptMessage(testDeps(db), { grantId: g.grantId, recipient: "+15550100123", body: `m${i}`, actor })).message.id);
    return { g, ids };
  };

  it("delivers a message left pending by a crash between commit and delivery, exactly once in the audit", async () => {
    const g = await makeGrant(db, { maxMessages: 3 });
    // The "crash": the message is committed (pending, audited) and the process dies before delivery.
    const { message } = await acceptMessage(testDeps(db), { grantId: g.grantId, recipient: "+15550100123", body: "Running late", actor });
    const provider = webhookProvider({ url: `${hook.url}/hook` });
    // A young pending message may still be in flight elsewhere: left alone.
    expect(await reconcileOutbox(testDeps(db), provider)).toEqual({ delivered: 0, failed: 0, stillPending: 0 });
    // On restart, a minute later:
    const result = await reconcileOutbox(testDeps(db, {}, later(60_000)), provider);
    expect(result.delivered).toBeGreaterThanOrEqual(1);
    expect((await db.message.findUniqueOrThrow({ where: { id: message.id } })).status).toBe("delivered");
    expect(sendsOf(message.id)).toBe(1);
    // Running it again changes nothing.
    await reconcileOutbox(testDeps(db, {}, later(120_000)), provider);
    expect(sendsOf(message.id)).toBe(1);
    expect(await typesOf(g.grantId)).toEqual(["message.queued", "message.attempted", "message.delivered"]);
  });

  it("re-drives after a crash between the provider call and recording the outcome, with the same idempotency key", async () => {
    const g = await makeGrant(db, { maxMessages: 3 });
    const { message } = await acceptMessage(testDeps(db), { grantId: g.grantId, recipient: "+15550100123", body: "x", actor });
    const provider = webhookProvider({ url: `${hook.url}/hook` });
    await provider.send({ id: message.id, to: message.recipient, body: message.body, grantId: message.grantId, userId: message.userId, createdAt: message.createdAt }); // delivered, then killed
    await reconcileOutbox(testDeps(db, {}, later(60_000)), provider);
    expect(sendsOf(message.id)).toBe(2); // the receiver deduplicates on the key
    const delivered = await db.auditEvent.count({ where: { grantId: g.grantId, type: "message.delivered" } });
    expect(delivered).toBe(1);
  });

  it("checklist 120: two reconcilers racing on one database over a provider that accepts and answers too slowly call it exactly once per message", async () => {
    hook.respond = () => ({ status: 200, delayMs: 3_000 });
    const { g, ids } = await queue(6);
    // One client: better-sqlite3 is synchronous, so two SQLite connections in one thread would
    // block each other; the cross-process case (own connections) is checklist 121.
    const now = at(new Date(Date.now() + 60_000));
    const [a, b] = await Promise.all([
      reconcileOutbox(testDeps(db, SLOW, now), slowProvider(hook), { holder: "web" }),
      reconcileOutbox(testDeps(db, SLOW, now), slowProvider(hook), { holder: "mcp" }),
    ]);
    expect(a.delivered + b.delivered + a.failed + b.failed).toBe(0);
    for (const id of ids) expect(sendsOf(id)).toBe(1);
    expect(hook.requests).toHaveLength(6);
    // Each call holds its lease alone, is audited before it is made, and its timeout defers the next try.
    const rows = await db.message.findMany({ where: { id: { in: ids } } });
    expect(rows.map((r) => r.attempts)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(rows.every((r) => r.status === "pending" && r.leaseUntil === null && r.error === "provider timed out")).toBe(true);
    const types = await typesOf(g.grantId);
    expect(types.filter((t) => t === "message.attempted")).toHaveLength(6);
    expect(types.filter((t) => t === "message.deferred")).toHaveLength(6);
    // The next pass at the same instant finds nothing due: the backoff holds.
    await reconcileOutbox(testDeps(db, SLOW, now), slowProvider(hook), { holder: "mcp" });
    expect(hook.requests).toHaveLength(6);
  });

  it("checklist 121: a reconciler in another process and one in this process deliver each message once between them", async () => {
    hook.respond = () => ({ status: 200, delayMs: 3_000 });
    const { ids } = await queue(6);
    const now = new Date(Date.now() + 60_000);
    const child = childReconciler(target.url(), `${hook.url}/hook`, now, "child");
    await child.ready;
    child.go();
    const mine = await reconcileOutbox(testDeps(db, SLOW, at(now)), slowProvider(hook), { holder: "parent" });
    const theirs = await child.done;
    expect(mine.delivered + theirs.delivered + mine.failed + theirs.failed).toBe(0);
    for (const id of ids) expect(sendsOf(id)).toBe(1);
    const holders = (await db.auditEvent.findMany({ where: { type: "message.attempted" } }))
      .map((e) => JSON.parse(e.details) as { message_id: string; holder: string })
      .filter((d) => ids.includes(d.message_id));
    expect(holders).toHaveLength(6);
  }, 60_000);

  it("checklist 122: a request delivering its own message and a reconciler at the same moment make one provider call", async () => {
    hook.respond = () => ({ status: 200, delayMs: 3_000 });
    const { ids } = await queue(1);
    const message = await db.message.findUniqueOrThrow({ where: { id: ids[0] } });
    const now = at(new Date(Date.now() + 60_000));
    await Promise.all([
      deliverMessage(testDeps(db, SLOW, now), slowProvider(hook), message, "request"),
      reconcileOutbox(testDeps(db, SLOW, now), slowProvider(hook), { holder: "reconciler" }),
    ]);
    expect(sendsOf(ids[0]!)).toBe(1);
  });

  it("checklist 123: retries a timed-out message with backoff and the same key, and gives up after the attempt cap, auditing every attempt", async () => {
    hook.respond = () => ({ status: 200, delayMs: 3_000 });
    const { g, ids } = await queue(1);
    const id = ids[0]!;
    const t0 = Date.now() + 60_000;
    const pass = (offsetMs: number) => reconcileOutbox(testDeps(db, SLOW, at(new Date(t0 + offsetMs))), slowProvider(hook));
    await pass(0); // attempt 1
    let row = await db.message.findUniqueOrThrow({ where: { id } });
    expect(row.nextAttemptAt!.getTime()).toBe(t0 + 60_000); // base
    await pass(59_000); // not yet
    expect(sendsOf(id)).toBe(1);
    await pass(60_000); // attempt 2
    row = await db.message.findUniqueOrThrow({ where: { id } });
    expect(row.nextAttemptAt!.getTime()).toBe(t0 + 60_000 + 120_000); // doubled
    await pass(60_000 + 119_000);
    expect(sendsOf(id)).toBe(2);
    expect(await pass(180_000)).toEqual({ delivered: 0, failed: 1, stillPending: 0 }); // attempt 3, the last
    row = await db.message.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ status: "failed", attempts: 3, error: "gave up after 3 attempts: provider timed out" });
    await pass(24 * 3600_000);
    expect(sendsOf(id)).toBe(3);
    expect(new Set(hook.requests.map((r) => r.headers["idempotency-key"]))).toEqual(new Set([id]));
    expect(await typesOf(g.grantId)).toEqual([
      "message.queued",
      "message.attempted",
      "message.deferred",
      "message.attempted",
      "message.deferred",
      "message.attempted",
      "message.failed",
    ]);
    const attempts = (await db.auditEvent.findMany({ where: { grantId: g.grantId, type: "message.attempted" }, orderBy: { seq: "asc" } })).map((e) => JSON.parse(e.details).attempt);
    expect(attempts).toEqual([1, 2, 3]);
  });

  it("keeps a message pending while the provider is down, and gives up after the limit", async () => {
    const g = await makeGrant(db, { maxMessages: 3 });
    hook.respond = () => ({ status: 503 });
    const provider = webhookProvider({ url: `${hook.url}/hook` });
    const { message } = await acceptMessage(testDeps(db), { grantId: g.grantId, recipient: "+15550100123", body: "x", actor });
    expect((await deliverMessage(testDeps(db), provider, message)).status).toBe("pending");
    await reconcileOutbox(testDeps(db, {}, later(60_000)), provider);
    expect((await db.message.findUniqueOrThrow({ where: { id: message.id } })).status).toBe("pending");
    await reconcileOutbox(testDeps(db, {}, later(25 * 3600_000)), provider, {});
    const after = await db.message.findUniqueOrThrow({ where: { id: message.id } });
    expect(after.status).toBe("failed");
    expect(await db.auditEvent.count({ where: { grantId: g.grantId, type: "message.failed" } })).toBe(1);
  });

  it("does not give up on a message while another process holds its lease", async () => {
    const { ids } = await queue(1);
    const now = new Date(Date.now() + 25 * 3600_000);
    await db.message.update({ where: { id: ids[0] }, data: { leaseUntil: new Date(now.getTime() + 30_000), claimedBy: "elsewhere", attempts: 1 } });
    expect(await reconcileOutbox(testDeps(db, {}, at(now)), webhookProvider({ url: `${hook.url}/hook` }))).toEqual({ delivered: 0, failed: 0, stillPending: 0 });
    expect((await db.message.findUniqueOrThrow({ where: { id: ids[0] } })).status).toBe("pending");
    expect(hook.requests).toHaveLength(0);
  });

  it("marks a permanent provider refusal as failed at once", async () => {
    const g = await makeGrant(db, { maxMessages: 3 });
    hook.respond = () => ({ status: 400 });
    const { message } = await acceptMessage(testDeps(db), { grantId: g.grantId, recipient: "+15550100123", body: "x", actor });
    const after = await deliverMessage(testDeps(db), webhookProvider({ url: `${hook.url}/hook` }), message);
    expect(after.status).toBe("failed");
    expect(after.error).toBe("provider answered HTTP 400");
  });
});
