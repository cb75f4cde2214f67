import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../lib/db/client";
import { testDatabases } from "../tests/harness/databases";
import { exec, fillChain } from "../lib/audit/testing/chain";
import { appendAudit } from "../lib/audit/append";
import { bodyFacts } from "../lib/audit/body-digest";
import { writeTransaction } from "../lib/db/transaction";

const run = promisify(execFile);

async function auditVerify(url: string, args: string[] = [], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "scripts/audit-verify.ts", ...args], {
      env: { ...process.env, DATABASE_URL: url, DATA_DIR: "tmp/test-data", ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe.each(testDatabases())("npm run audit:verify on $name", (target) => {
  let db: Db;
  beforeAll(async () => {
    db = await target.open();
    await fillChain(db, 50);
  });
  afterAll(() => target.close());

  it("exits 0 with a clear verdict on an intact chain", async () => {
    const { code, stdout } = await auditVerify(target.url());
    expect(code).toBe(0);
    expect(stdout).toMatch(/OK: the audit chain is intact \(50 entries/);
  });

  it("exits 1 and names the first bad entry and how it is bad", async () => {
    await exec(db, `DELETE FROM "AuditEvent" WHERE "seq" = 20`);
    const { code, stderr } = await auditVerify(target.url());
    expect(code).toBe(1);
    expect(stderr).toMatch(/TAMPERED: deleted at entry 20: entry 20 is missing/);
  });
});

describe.each(testDatabases())("npm run audit:verify -- --messages on $name", (target) => {
  const AUDIT_HMAC_KEY = "cli-test-audit-hmac-key-0123456789abcdef";
  let db: Db;
  beforeAll(async () => {
    db = await target.open();
    await db.message.create({ data: { id: "m1", grantId: "g1", userId: "u1", clientId: "c1", recipient: "+15550100123", body: "yes", bodySha256: "00", status: "pending", provider: "sandbox" } });
    await writeTransaction(db, (tx) =>
      appendAudit(tx, { type: "message.queued", outcome: "success", actorType: "service", grantId: "g1", details: { message_id: "m1", ...bodyFacts(AUDIT_HMAC_KEY, "yes") } }),
    );
  });
  afterAll(() => target.close());

  it("checklist 160: checks bodies with the configured AUDIT_HMAC_KEY and names a changed body", async () => {
    const ok = await auditVerify(target.url(), ["--messages"], { AUDIT_HMAC_KEY });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/every message the body its entry recorded/);
    await exec(db, `UPDATE "Message" SET "body" = 'no' WHERE "id" = 'm1'`);
    const changed = await auditVerify(target.url(), ["--messages"], { AUDIT_HMAC_KEY });
    expect(changed.code).toBe(1);
    expect(changed.stderr).toMatch(/CHANGED: message m1 no longer has the body entry 1 recorded/);
  }, 120_000); // two runs of the CLI, each a fresh tsx process
});
