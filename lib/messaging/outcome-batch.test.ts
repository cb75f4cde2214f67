import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db";
import { countingDb } from "../../tests/harness/counting-db";
import { testDatabases } from "../../tests/harness/databases";
import { acceptMessage } from "./accept";
import type { DeliveryLease } from "./lease";
import { batchedOutcomes } from "./outcome-batch";
import { makeGrant, testDeps } from "./test-fixtures";

const actor = { type: "service" as const, id: "mcp-server" };

describe.each(testDatabases())("delivery outcomes recorded together on $name", (target) => {
  let db: Db;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());

  async function leased(grantId: string, n: number): Promise<DeliveryLease[]> {
    const leases: DeliveryLease[] = [];
    for (let i = 0; i < n; i++)
      leases.push((await acceptMessage(testDeps(db), { grantId, recipient: "+15550100123", body: `m${i}`, actor }, { claimFor: "test-holder" })).lease!);
    return leases;
  }

  it("records the outcomes that arrive while a transaction runs in the next one, each with its own entry", async () => {
    const g = await makeGrant(db, { maxMessages: 10 });
    const leases = await leased(g.grantId, 5);
    const counted = countingDb(target.url());
    try {
      const record = batchedOutcomes(testDeps(counted.db));
      const recorded = await Promise.all(leases.map((l) => record(l.message, { status: "delivered", providerMessageId: `p-${l.message.id}` })));
      // The first starts a transaction at once; the four that arrive meanwhile share the next.
      expect(counted.log.transactions).toBe(2);
      expect(recorded.map((m) => m.status)).toEqual(Array(5).fill("delivered"));
      expect(recorded.map((m) => m.id)).toEqual(leases.map((l) => l.message.id));
    } finally {
      await counted.db.$disconnect();
    }
    const delivered = await db.auditEvent.findMany({ where: { grantId: g.grantId, type: "message.delivered" } });
    expect(delivered.map((e) => JSON.parse(e.details).message_id).sort()).toEqual(leases.map((l) => l.message.id).sort());
  });

  it("an outcome that cannot be written fails alone: the others of its batch are recorded", async () => {
    const g = await makeGrant(db, { maxMessages: 10 });
    const [first, ok1, bad, ok2] = (await leased(g.grantId, 4)) as [DeliveryLease, DeliveryLease, DeliveryLease, DeliveryLease];
    const record = batchedOutcomes(testDeps(db));
    const delivered = (l: DeliveryLease) => record(l.message, { status: "delivered", providerMessageId: "p" });
    // The audit refuses an entry whose reason looks like a token (lib/audit/privacy.ts). The first
    // outcome starts a transaction alone; the next three arrive meanwhile and form one batch.
    const leaky = () => record(bad.message, { status: "failed", error: "refused eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln" });
    const results = await Promise.allSettled([delivered(first), delivered(ok1), leaky(), delivered(ok2)]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    const rows = await db.message.findMany({ where: { id: { in: [ok1.message.id, bad.message.id, ok2.message.id] } } });
    const status = Object.fromEntries(rows.map((m) => [m.id, m.status]));
    expect(status).toEqual({ [ok1.message.id]: "delivered", [bad.message.id]: "pending", [ok2.message.id]: "delivered" });
  });
});
