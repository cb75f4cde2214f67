// Concurrent sends share accept transactions (group commit, lib/messaging/accept.ts); a batch with
// a refused send is written again with each send in a savepoint of its own: refused sends (no message left, an Idempotency-Key already used)
// undo only their own writes and audit entries, the others commit, the quota stays exact, and
// every stored message has its entries.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db";
import { verifyChain } from "../audit/verify";
import { grantEntryLimits } from "../grants/entries";
import { testDatabases } from "../../tests/harness/databases";
import { acceptMessage, acceptWriters, type AcceptInput } from "./accept";
import { MessagingDenial } from "./policy";
import { makeGrant, testDeps } from "./test-fixtures";

const actor = { type: "service" as const, id: "mcp-server" };
const TO = "+15550100123";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe.each(testDatabases())("accept transactions shared by concurrent sends, on $name", (target) => {
  let db: Db;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());

  const queuedEntries = (grantId: string) => db.auditEvent.count({ where: { grantId, type: "message.queued" } });

  it("12 sends on a 5-message grant and 6 on a 10-message grant, all at once: 5 + 6 accepted, 7 refused, in fewer transactions than sends", async () => {
    const small = await makeGrant(db, { maxMessages: 5 });
    const large = await makeGrant(db, { maxMessages: 10 });
    const deps = testDeps(db);
    const batches = () => acceptWriters.optimistic(db).stats.batches + acceptWriters.guarded(db).stats.batches;
    const before = batches();
    const send = (grantId: string, i: number) => acceptMessage(deps, { grantId, recipient: TO, body: `m${i}`, actor });
    const results = await Promise.allSettled([...Array.from({ length: 12 }, (_, i) => send(small.grantId, i)), ...Array.from({ length: 6 }, (_, i) => send(large.grantId, i))]);
    const smallResults = results.slice(0, 12);
    expect(smallResults.filter((r) => r.status === "fulfilled")).toHaveLength(5);
    expect(smallResults.filter((r) => r.status === "rejected" && r.reason instanceof MessagingDenial && r.reason.code === "quota_exhausted")).toHaveLength(7);
    expect(results.slice(12).every((r) => r.status === "fulfilled")).toBe(true);
    expect(batches() - before).toBeLessThan(18);

    // Exactly the accepted sends left their message, their spend and their entry.
    expect(await db.message.count({ where: { grantId: small.grantId } })).toBe(5);
    expect(await grantEntryLimits(db, small.grantId)).toMatchObject([{ used: 5, left: 0 }]);
    expect(await queuedEntries(small.grantId)).toBe(5);
    expect(await db.message.count({ where: { grantId: large.grantId } })).toBe(6);
    expect(await grantEntryLimits(db, large.grantId)).toMatchObject([{ used: 6, left: 4 }]);
    expect(await queuedEntries(large.grantId)).toBe(6);
    expect((await verifyChain(db)).ok).toBe(true);
    // Message ids are time-ordered (UUIDv7), so new rows go in at the end of the primary key.
    const ids = (await db.message.findMany({ where: { grantId: { in: [small.grantId, large.grantId] } }, select: { id: true } })).map((m) => m.id);
    for (const id of ids) expect(id).toMatch(UUID_V7);
  });

  it("sends that are all within the quota commit in optimistic batches, with no savepoint; a refusal sends its batch to the guarded writer", async () => {
    const g = await makeGrant(db, { maxMessages: 10 });
    const deps = testDeps(db);
    const { optimistic, guarded } = { optimistic: acceptWriters.optimistic(db), guarded: acceptWriters.guarded(db) };
    const before = { optimistic: optimistic.stats.items, guarded: guarded.stats.items };
    await Promise.all(Array.from({ length: 8 }, (_, i) => acceptMessage(deps, { grantId: g.grantId, recipient: TO, body: `ok${i}`, actor })));
    expect(optimistic.stats.items - before.optimistic).toBe(8);
    expect(guarded.stats.items - before.guarded).toBe(0);
    // 2 messages left, 4 sends at once: the optimistic batch is refused whole, the guarded one answers each.
    const results = await Promise.allSettled(Array.from({ length: 4 }, (_, i) => acceptMessage(deps, { grantId: g.grantId, recipient: TO, body: `last${i}`, actor })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(2);
    expect(guarded.stats.items - before.guarded).toBeGreaterThan(0);
    expect(await db.message.count({ where: { grantId: g.grantId } })).toBe(10);
    expect(await queuedEntries(g.grantId)).toBe(10);
    expect((await verifyChain(db)).ok).toBe(true);
  });

  it("one Idempotency-Key sent twice at once, beside other sends: one message, spent once, the twin answered with it, the others stored", async () => {
    const g = await makeGrant(db, { maxMessages: 10 });
    const deps = testDeps(db);
    const keyed: AcceptInput = { grantId: g.grantId, recipient: TO, body: "once", idempotencyKey: "agent:twin", actor };
    const results = await Promise.all([
      acceptMessage(deps, { ...keyed, body: "other 1" , idempotencyKey: "agent:other-1" }),
      acceptMessage(deps, keyed),
      acceptMessage(deps, keyed),
      acceptMessage(deps, { ...keyed, body: "other 2", idempotencyKey: "agent:other-2" }),
    ]);
    const [, first, second] = results;
    expect([first?.replayed, second?.replayed].sort()).toEqual([false, true]);
    expect(first?.message.id).toBe(second?.message.id);
    expect(await db.message.count({ where: { grantId: g.grantId } })).toBe(3);
    expect(await grantEntryLimits(db, g.grantId)).toMatchObject([{ used: 3, left: 7 }]);
    expect(await queuedEntries(g.grantId)).toBe(3);
    expect((await verifyChain(db)).ok).toBe(true);

    // The key reused for another message, again beside a send that must still go through.
    const [reused, fine] = await Promise.allSettled([
      acceptMessage(deps, { ...keyed, body: "a different message" }),
      acceptMessage(deps, { ...keyed, body: "other 3", idempotencyKey: "agent:other-3" }),
    ]);
    expect(reused).toMatchObject({ status: "rejected", reason: { code: "idempotency_key_reused" } });
    expect(fine?.status).toBe("fulfilled");
    expect(await db.message.count({ where: { grantId: g.grantId } })).toBe(4);
    expect(await grantEntryLimits(db, g.grantId)).toMatchObject([{ used: 4, left: 6 }]);
    expect(await queuedEntries(g.grantId)).toBe(4);
    expect((await verifyChain(db)).ok).toBe(true);
  });
});
