import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../db";
import { testDatabases } from "../../tests/harness/databases";
import { acceptMessage } from "./accept";
import { deliverMessage } from "./deliver";
import { webhookProvider } from "./providers/webhook";
import { startRecordingServer, type RecordingServer } from "./providers/recording-server";
import { reconcileOutbox } from "./reconciler";
import { makeGrant, testDeps } from "./test-fixtures";

const actor = { type: "service" as const, id: "mcp-server" };
const later = (ms: number) => () => new Date(Date.now() + ms);

describe.each(testDatabases())("outbox reconciler on $name", (target) => {
  let db: Db;
  let hook: RecordingServer;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());
  beforeEach(async () => {
    hook = await startRecordingServer();
  });
  afterEach(() => hook.close());

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
    expect(hook.requests.filter((r) => r.headers["idempotency-key"] === message.id)).toHaveLength(1);
    // Running it again changes nothing.
    await reconcileOutbox(testDeps(db, {}, later(120_000)), provider);
    expect(hook.requests.filter((r) => r.headers["idempotency-key"] === message.id)).toHaveLength(1);
    const types = (await db.auditEvent.findMany({ where: { grantId: g.grantId }, orderBy: { seq: "asc" } })).map((e) => e.type);
    expect(types).toEqual(["message.queued", "message.delivered"]);
  });

  it("re-drives after a crash between the provider call and recording the outcome, with the same idempotency key", async () => {
    const g = await makeGrant(db, { maxMessages: 3 });
    const { message } = await acceptMessage(testDeps(db), { grantId: g.grantId, recipient: "+15550100123", body: "x", actor });
    const provider = webhookProvider({ url: `${hook.url}/hook` });
    await provider.send({ id: message.id, to: message.recipient, body: message.body, grantId: message.grantId, userId: message.userId, createdAt: message.createdAt }); // delivered, then killed
    await reconcileOutbox(testDeps(db, {}, later(60_000)), provider);
    const keys = hook.requests.map((r) => r.headers["idempotency-key"]).filter((k) => k === message.id);
    expect(keys).toHaveLength(2); // the receiver deduplicates on the key
    const delivered = await db.auditEvent.count({ where: { grantId: g.grantId, type: "message.delivered" } });
    expect(delivered).toBe(1);
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

  it("marks a permanent provider refusal as failed at once", async () => {
    const g = await makeGrant(db, { maxMessages: 3 });
    hook.respond = () => ({ status: 400 });
    const { message } = await acceptMessage(testDeps(db), { grantId: g.grantId, recipient: "+15550100123", body: "x", actor });
    const after = await deliverMessage(testDeps(db), webhookProvider({ url: `${hook.url}/hook` }), message);
    expect(after.status).toBe("failed");
    expect(after.error).toBe("provider answered HTTP 400");
  });
});
