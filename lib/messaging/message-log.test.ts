// The MessageLog port's database adapter (what list_messages reads), on each database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db";
import { testDatabases } from "../../tests/harness/databases";
import { dbMessageLog } from "./message-log";
import { makeGrant, type GrantFixture } from "./test-fixtures";

const T0 = new Date("2026-11-30T10:00:00.000Z");
const at = (s: number) => new Date(T0.getTime() + s * 1000);

function message(g: GrantFixture, n: number, createdAt: Date, extra: { status?: string; deliveredAt?: Date } = {}) {
  return {
    grantId: g.grantId,
    userId: g.userId,
    clientId: g.clientId,
    recipient: `+1555010012${n % 10}`,
    body: `message ${n}`,
    bodySha256: "0".repeat(64),
    provider: "sandbox",
    createdAt,
    ...extra,
  };
}

describe.each(testDatabases())("the message log over the database on $name", (target) => {
  let db: Db;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());

  it("reads one grant's messages, newest first, with their delivery state", async () => {
    const g = await makeGrant(db);
    const other = await makeGrant(db);
    await db.message.create({ data: message(g, 1, at(1), { status: "delivered", deliveredAt: at(2) }) });
    await db.message.create({ data: message(g, 2, at(3)) });
    await db.message.create({ data: message(other, 3, at(2)) });
    expect(await dbMessageLog(db).sentUnder(g.grantId, 100)).toEqual([
      { id: expect.any(String), recipient: "+15550100122", body: "message 2", status: "pending", createdAt: at(3), deliveredAt: null },
      { id: expect.any(String), recipient: "+15550100121", body: "message 1", status: "delivered", createdAt: at(1), deliveredAt: at(2) },
    ]);
  });

  it("returns at most the limit (the newest), and nothing for a grant without messages", async () => {
    const g = await makeGrant(db);
    for (let n = 0; n < 5; n++) await db.message.create({ data: message(g, n, at(10 + n)) });
    const newest = await dbMessageLog(db).sentUnder(g.grantId, 3);
    expect(newest.map((m) => m.body)).toEqual(["message 4", "message 3", "message 2"]);
    expect(await dbMessageLog(db).sentUnder((await makeGrant(db)).grantId, 100)).toEqual([]);
  });
});
