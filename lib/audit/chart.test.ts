import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { writeTransaction } from "../db/transaction";
import { testDatabases } from "../../tests/harness/databases";
import { appendAudit } from "./append";
import { auditChart, bucketStep, stepInWords, type AuditChart } from "./chart";
import type { AuditEventInput, AuditOutcome } from "./events";
import { auditNames } from "./names";
import { resetChain } from "./testing/chain";
import { ownGrantFlow } from "./timeline";

const T0 = Date.parse("2026-11-01T12:00:00Z");
const MIN = 60_000;

const ev = (type: AuditEventInput["type"], outcome: AuditOutcome, extra: Partial<AuditEventInput> = {}): AuditEventInput => ({ type, outcome, actorType: "service", actorId: "mcp", ...extra });

// Minutes after T0, spread over three hours: the chart's buckets are 5 minutes wide.
const EVENTS: [number, AuditEventInput][] = [
  [0, ev("signin.succeeded", "success", { subjectUserId: "alice" })],
  [1, ev("tool.allowed", "success", { clientId: "bot-1", grantId: "g1", subjectUserId: "alice" })],
  [2, ev("tool.denied", "denied", { clientId: "bot-1", grantId: "g1", subjectUserId: "alice", reason: "quota spent" })],
  [4, ev("tool.allowed", "success", { clientId: "bot-2", grantId: "g2", subjectUserId: "bob" })],
  [61, ev("message.failed", "failure", { clientId: "bot-1", grantId: "g1", subjectUserId: "alice", reason: "provider unreachable" })],
  [62, ev("consent.shown", "info", { clientId: "bot-2", subjectUserId: "bob" })],
  [179, ev("tool.denied", "denied", { clientId: "bot-2", grantId: "g2", subjectUserId: "bob", reason: "recipient not allowed" })],
];

const sum = (c: AuditChart, key: "allowed" | "denied" | "failed" | "other") => c.buckets.reduce((s, b) => s + b[key], 0);
const nonEmpty = (c: AuditChart) =>
  c.buckets.filter((b) => b.allowed + b.denied + b.failed + b.other > 0).map((b) => ({ at: (b.start.getTime() - T0) / MIN, a: b.allowed, d: b.denied, f: b.failed, o: b.other }));

describe("bucket widths", () => {
  it("picks the narrowest named width that keeps the chart within 60 bars", () => {
    expect(bucketStep(0)).toBe(MIN);
    expect(bucketStep(59 * MIN)).toBe(MIN);
    expect(bucketStep(3 * 60 * MIN)).toBe(5 * MIN);
    expect(bucketStep(24 * 60 * MIN)).toBe(60 * MIN);
    expect(bucketStep(23 * 24 * 60 * MIN)).toBe(12 * 60 * MIN);
    expect(stepInWords(5 * MIN)).toBe("5 minutes");
    expect(stepInWords(24 * 60 * MIN)).toBe("1 day");
  });
});

describe.each(testDatabases())("events over time on $name", (target) => {
  let db: Db;
  beforeAll(async () => {
    db = await target.open();
    await resetChain(db);
    for (const [minute, e] of EVENTS) await writeTransaction(db, (tx) => appendAudit(tx, e, new Date(T0 + minute * MIN)));
  });
  afterAll(() => target.close());

  it("counts every entry once, by outcome, in 5-minute buckets over the trail's span", async () => {
    const c = (await auditChart(db, {}))!;
    expect(c.bucketMs).toBe(5 * MIN);
    expect(c.from.getTime()).toBe(T0);
    expect(c.buckets).toHaveLength(36);
    expect(c.total).toBe(EVENTS.length);
    expect(nonEmpty(c)).toEqual([
      { at: 0, a: 3, d: 1, f: 0, o: 0 },
      { at: 60, a: 0, d: 0, f: 1, o: 1 },
      { at: 175, a: 0, d: 1, f: 0, o: 0 },
    ]);
  });

  it("follows the filter: outcome and type (the covering index), grant and agent (their own indexes), reason text", async () => {
    const denied = (await auditChart(db, { outcome: "denied" }))!;
    expect([sum(denied, "allowed"), sum(denied, "denied"), denied.total]).toEqual([0, 2, 2]);
    const allowed = (await auditChart(db, { types: ["tool.allowed", "message.failed"] }))!;
    expect([sum(allowed, "allowed"), sum(allowed, "failed"), allowed.total]).toEqual([2, 1, 3]);
    const g1 = (await auditChart(db, { grantId: "g1" }))!;
    expect(nonEmpty(g1)).toEqual([
      { at: 0, a: 1, d: 1, f: 0, o: 0 },
      { at: 60, a: 0, d: 0, f: 1, o: 0 },
    ]);
    const bot2 = (await auditChart(db, { clientId: "bot-2", outcome: "denied" }))!;
    expect(bot2.total).toBe(1);
    const text = (await auditChart(db, { q: "UNREACHABLE" }))!;
    expect([text.total, sum(text, "failed"), text.searchedFrom]).toEqual([1, 1, 1]);
  });

  it("counts event types per outcome from the (type, outcome, seq) index, in batches when the terms are many", async () => {
    const indexes =
      target.name === "postgresql"
        ? await db.$queryRawUnsafe<{ name: string }[]>(`SELECT indexname AS "name" FROM pg_indexes WHERE tablename = 'AuditEvent'`)
        : await db.$queryRawUnsafe<{ name: string }[]>(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'AuditEvent'`);
    expect(indexes.map((r) => r.name)).toContain("AuditEvent_type_outcome_seq_idx");

    const tool = (await auditChart(db, { types: ["tool.allowed", "tool.denied"] }))!;
    expect(nonEmpty(tool)).toEqual([
      { at: 0, a: 2, d: 1, f: 0, o: 0 },
      { at: 175, a: 0, d: 1, f: 0, o: 0 },
    ]);
    const deniedTools = (await auditChart(db, { types: ["tool.allowed", "tool.denied"], outcome: "denied" }))!;
    expect([sum(deniedTools, "allowed"), sum(deniedTools, "denied"), deniedTools.total]).toEqual([0, 2, 2]);
    // 36 buckets x 4 outcomes x 3 types: 432 counts, more than one query holds.
    const three = (await auditChart(db, { types: ["tool.denied", "message.failed", "consent.shown"] }))!;
    expect(three.buckets).toHaveLength(36);
    expect(nonEmpty(three)).toEqual([
      { at: 0, a: 0, d: 1, f: 0, o: 0 },
      { at: 60, a: 0, d: 0, f: 1, o: 1 },
      { at: 175, a: 0, d: 1, f: 0, o: 0 },
    ]);
    const ranged = (await auditChart(db, { types: ["tool.allowed"], from: new Date(T0), to: new Date(T0 + 3 * MIN) }))!;
    expect(ranged.total).toBe(1);
  });

  it("spans the filter's own time range when it names one, and counts only inside it", async () => {
    const c = (await auditChart(db, { from: new Date(T0 + 61 * MIN), to: new Date(T0 + 100 * MIN) }))!;
    expect(c.from.getTime()).toBe(T0 + 61 * MIN);
    expect(c.bucketMs).toBe(MIN);
    expect(c.buckets).toHaveLength(40);
    expect(nonEmpty(c)).toEqual([
      { at: 61, a: 0, d: 0, f: 1, o: 0 },
      { at: 62, a: 0, d: 0, f: 0, o: 1 },
    ]);
  });

  it("has no chart when nothing matches", async () => {
    expect(await auditChart(db, { grantId: "no-such-grant" })).toBeNull();
    expect(await auditChart(db, { q: "no such words" })).toBeNull();
  });

  it("a reason search counts only the newest window of entries", async () => {
    const c = (await auditChart(db, { q: "quota" }, { searchWindow: 3 }))!;
    expect(c).toBeNull(); // "quota spent" is entry 3 of 7: outside the newest 3
    const wide = (await auditChart(db, { q: "quota" }, { searchWindow: 6 }))!;
    expect([wide.total, wide.searchedFrom]).toEqual([1, 2]);
  });

  it("names the ids it knows and leaves the others bare", async () => {
    const user = await db.user.create({ data: { email: "chart-alice@example.com", passwordHash: "x" } });
    const client = await db.client.create({ data: { id: "chart-bot", kind: "dynamic", name: "Chart Bot" } });
    const names = await auditNames(db, [
      { subjectUserId: user.id, clientId: client.id, grantId: null, actorType: "agent", actorId: client.id },
      { subjectUserId: "ghost", clientId: "ghost-bot", grantId: "ghost-grant", actorType: "system", actorId: null },
    ]);
    expect(names.users.get(user.id)).toBe("chart-alice@example.com");
    expect(names.clients.get(client.id)).toBe("Chart Bot");
    expect([names.users.has("ghost"), names.clients.has("ghost-bot"), names.grants.has("ghost-grant")]).toEqual([false, false, false]);
  });

  it("/activity's flow shows a user's own grant, never another user's, whatever id is asked for", async () => {
    const user = (e: string) => db.user.create({ data: { email: `${e}@example.com`, passwordHash: "x" } });
    const [ann, ben] = await Promise.all([user("flow-ann"), user("flow-ben")]);
    const client = await db.client.create({ data: { id: "flow-bot", kind: "dynamic", name: "Flow Bot" } });
    const grant = (userId: string, minutes: number) =>
      db.grant.create({
        data: { userId, clientId: client.id, resource: "http://mcp", scope: "messages:send", authorizationDetails: "[]", requestedAuthorizationDetails: "[]", expiresAt: new Date(T0 + 1e9), createdVia: "code", createdAt: new Date(T0 + minutes * MIN) },
      });
    const annOld = await grant(ann.id, 1);
    const annNew = await grant(ann.id, 2);
    const bens = await grant(ben.id, 3);
    await writeTransaction(db, (tx) => appendAudit(tx, ev("tool.denied", "denied", { clientId: client.id, grantId: bens.id, subjectUserId: ben.id, reason: "ben's secret" })));
    await writeTransaction(db, (tx) => appendAudit(tx, ev("tool.allowed", "success", { clientId: client.id, grantId: annOld.id, subjectUserId: ann.id })));

    expect((await ownGrantFlow(db, ann.id)).picked?.id).toBe(annNew.id);
    const old = await ownGrantFlow(db, ann.id, annOld.id);
    expect([old.picked?.id, old.entries.map((e) => e.type), old.grants.map((g) => g.id)]).toEqual([annOld.id, ["tool.allowed"], [annNew.id, annOld.id]]);
    const guessed = await ownGrantFlow(db, ann.id, bens.id);
    expect(guessed.picked?.id).toBe(annNew.id);
    expect(guessed.entries.some((e) => e.grantId === bens.id)).toBe(false);
    expect(await ownGrantFlow(db, "no-such-user", bens.id)).toEqual({ grants: [], picked: undefined, entries: [] });
  });
});
