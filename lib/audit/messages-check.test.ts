import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { writeTransaction } from "../db/transaction";
import { testDatabases } from "../../tests/harness/databases";
import { appendAudit } from "./append";
import { checkMessageEntries } from "./messages-check";
import { exec, resetChain } from "./testing/chain";

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
    expect(await checkMessageEntries(db)).toEqual({ ok: true, deliveredWithoutEntry: [], entriesWithoutMessage: [] });
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
});
