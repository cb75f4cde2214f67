// The migration that introduced per-entry budgets (GrantEntry) backfills grants made before it.
// Its backfill statement, run against legacy rows: every entry gets a budget, charged with the
// messages already sent to its recipients, capped at its limit.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db";
import { databaseTarget } from "../db/target";
import { makeGrant } from "../messaging/test-fixtures";
import { testDatabases } from "../../tests/harness/databases";
import { grantEntryLimits } from "./entries";

function backfillStatement(migrationsDir: string): string {
  const dir = readdirSync(migrationsDir).find((d) => d.endsWith("_grant_entry_budgets"))!;
  const sql = readFileSync(path.join(migrationsDir, dir, "migration.sql"), "utf8");
  return sql.slice(sql.indexOf("INSERT INTO \"GrantEntry\""));
}

describe.each(testDatabases())("the GrantEntry backfill on $name", (target) => {
  let db: Db;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());

  it("checklist 105: gives every entry of a legacy grant its own budget, charged with what was sent to its recipients", async () => {
    const A = "+15550100123";
    const B = "+15550100999";
    const C = "+15550100777";
    const g = await makeGrant(db, {
      details: [
        { type: "messaging", actions: ["send"], recipients: [A], max_messages: 1 },
        { type: "messaging", actions: ["send"], recipients: [B], max_messages: 5 },
        { type: "messaging", actions: ["send"], recipients: [C] },
      ],
    });
    // A legacy grant: no budget rows; three messages to A went out under the pooled count.
    await db.grantEntry.deleteMany({});
    for (const [i, to] of [A, A, A, C].entries()) {
      await db.message.create({ data: { grantId: g.grantId, userId: g.userId, clientId: g.clientId, recipient: to, body: "x", bodySha256: `h${i}`, status: "delivered", provider: "sandbox" } });
    }
    await db.$executeRawUnsafe(backfillStatement(databaseTarget(target.url()).migrationsDir));
    expect(await grantEntryLimits(db, g.grantId)).toEqual([
      { entry: 0, recipients: [A], max_messages: 1, used: 1, left: 0 },
      { entry: 1, recipients: [B], max_messages: 5, used: 0, left: 5 },
      { entry: 2, recipients: [C], used: 1 },
    ]);
  });
});
