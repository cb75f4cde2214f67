import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../lib/db/client";
import { testDatabases } from "../tests/harness/databases";
import { exec, fillChain } from "../lib/audit/testing/chain";

const run = promisify(execFile);

async function auditVerify(url: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "scripts/audit-verify.ts"], {
      env: { ...process.env, DATABASE_URL: url, DATA_DIR: "tmp/test-data" },
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
