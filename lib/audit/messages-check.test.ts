import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { writeTransaction } from "../db/transaction";
import { testDatabases } from "../../tests/harness/databases";
import { createHash } from "node:crypto";
import { appendAudit } from "./append";
import { bodyFacts, bodyHmac } from "./body-digest";
import { bulkAppend } from "./bulk";
import { checkMessageEntries as checkWithKey } from "./messages-check";
import { exec, resetChain } from "./testing/chain";

const KEY = "test-audit-hmac-key-0123456789abcdef";
const checkMessageEntries = (db: Db) => checkWithKey(db, KEY);

describe.each(testDatabases())("messages and their delivery entries on $name", (target) => {
  let db: Db;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());
  beforeEach(async () => {
    await resetChain(db);
    await db.message.deleteMany();
  });

  const message = (id: string, status: string) =>
    db.message.create({ data: { id, grantId: "g1", userId: "u1", clientId: "c1", recipient: "+15550100123", body: "hi", bodySha256: "00", status, provider: "sandbox" } });
  const delivered = (id: string) =>
    writeTransaction(db, (tx) =>
      appendAudit(tx, { type: "message.delivered", outcome: "success", actorType: "service", grantId: "g1", subjectUserId: "u1", clientId: "c1", details: { message_id: id } }),
    );

  it("passes when every delivered message has its entry and every entry its message", async () => {
    await message("m1", "delivered");
    await delivered("m1");
    await message("m2", "pending"); // not delivered yet: no entry expected
    expect(await checkMessageEntries(db)).toEqual({ ok: true, deliveredWithoutEntry: [], entriesWithoutMessage: [], changedBodies: [] });
  });

  it("names a delivered message whose entry is missing", async () => {
    await message("m1", "delivered");
    expect(await checkMessageEntries(db)).toMatchObject({ ok: false, deliveredWithoutEntry: ["m1"] });
  });

  it("names an entry whose message is missing or was never delivered", async () => {
    await delivered("ghost");
    await message("m3", "pending");
    await delivered("m3");
    expect(await checkMessageEntries(db)).toMatchObject({
      ok: false,
      entriesWithoutMessage: [
        { seq: 1, messageId: "ghost" },
        { seq: 2, messageId: "m3" },
      ],
    });
  });

  it("sees an entry removed behind the chain's back as a lost delivery", async () => {
    await message("m1", "delivered");
    await delivered("m1");
    await exec(db, `DELETE FROM "AuditEvent" WHERE "seq" = 1`);
    expect((await checkMessageEntries(db)).deliveredWithoutEntry).toEqual(["m1"]);
  });

  const queued = (id: string, details: Record<string, unknown>) =>
    writeTransaction(db, (tx) =>
      appendAudit(tx, { type: "message.queued", outcome: "success", actorType: "service", grantId: "g1", subjectUserId: "u1", clientId: "c1", details: { message_id: id, ...details } }),
    );
  const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

  it("checklist 160: names a message whose body was changed after its message.queued entry (keyed hash)", async () => {
    await db.message.create({ data: { id: "m1", grantId: "g1", userId: "u1", clientId: "c1", recipient: "+15550100123", body: "yes", bodySha256: "00", status: "pending", provider: "sandbox" } });
    await queued("m1", bodyFacts(KEY, "yes"));
    expect(await checkMessageEntries(db)).toEqual({ ok: true, deliveredWithoutEntry: [], entriesWithoutMessage: [], changedBodies: [] });
    await exec(db, `UPDATE "Message" SET "body" = 'no' WHERE "id" = 'm1'`);
    expect(await checkMessageEntries(db)).toMatchObject({ ok: false, changedBodies: [{ seq: 1, messageId: "m1" }] });
    // Checked with another key, even the true body does not match: the key is what the hash proves.
    await exec(db, `UPDATE "Message" SET "body" = 'yes' WHERE "id" = 'm1'`);
    expect((await checkMessageEntries(db)).changedBodies).toEqual([]);
    expect((await checkWithKey(db, "another-key-0123456789abcdef0123456789")).changedBodies).toEqual([{ seq: 1, messageId: "m1" }]);
  });

  it("checklist 160: entries written with a plain SHA-256 (before the key) still check, and a changed body is named", async () => {
    await db.message.create({ data: { id: "old", grantId: "g1", userId: "u1", clientId: "c1", recipient: "+15550100123", body: "4711", bodySha256: "00", status: "pending", provider: "sandbox" } });
    await queued("old", { body_sha256: sha256("4711"), body_length: 4 });
    expect((await checkMessageEntries(db)).ok).toBe(true);
    await exec(db, `UPDATE "Message" SET "body" = '4712' WHERE "id" = 'old'`);
    expect((await checkMessageEntries(db)).changedBodies).toEqual([{ seq: 1, messageId: "old" }]);
  });

  it("checklist 160: checks every message, past one keyset batch", async () => {
    const n = 1005;
    await db.message.createMany({
      data: Array.from({ length: n }, (_, i) => ({ id: `b${i}`, grantId: "g1", userId: "u1", clientId: "c1", recipient: "+15550100123", body: `body ${i}`, bodySha256: "00", status: "pending", provider: "sandbox" })),
    });
    const time = new Date();
    await bulkAppend(
      db,
      Array.from({ length: n }, (_, i) => ({ type: "message.queued" as const, outcome: "success" as const, actorType: "service" as const, grantId: "g1", time, details: { message_id: `b${i}`, body_hmac_sha256: bodyHmac(KEY, `body ${i}`) } })),
    );
    await exec(db, `UPDATE "Message" SET "body" = 'changed' WHERE "id" = 'b1003'`);
    expect((await checkMessageEntries(db)).changedBodies).toEqual([{ seq: 1004, messageId: "b1003" }]);
  });
});
