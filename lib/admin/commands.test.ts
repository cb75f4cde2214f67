import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { promisify } from "node:util";
import { createDb } from "../db/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { loadConfig } from "../config";
import { testDatabases } from "../../tests/harness/databases";
import { authenticate } from "../auth/authenticate";
import { COMMANDS, runAdmin } from "./commands";
import { parseArgs, UsageError } from "./command";

const execFileAsync = promisify(execFile);
const PASSWORD = "correct horse battery";

describe.each(testDatabases())("admin CLI commands on $name", (target) => {
  let db: Db;
  const deps = () => ({ db, config: loadConfig({ APP_ENV: "test", DATA_DIR: "tmp/test-data" }), now: () => new Date() });
  const admin = (...argv: string[]) => runAdmin(argv, deps);
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());

  it("create-user makes an account that can sign in, with the role user by default", async () => {
    const result = await admin("create-user", "Uma@Example.com", PASSWORD);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toMatch(/^Created uma@example\.com with role user \(id \w+\)\.$/);
    expect(await authenticate(db, { email: "uma@example.com", password: PASSWORD, ip: null })).toMatchObject({ ok: true });
    const entry = await db.auditEvent.findFirstOrThrow({ where: { type: "user.created" }, orderBy: { seq: "desc" } });
    expect(entry).toMatchObject({ actorType: "system", actorId: "admin-cli" });
  });

  it("create-user takes --role in both spellings", async () => {
    expect((await admin("create-user", "vic@example.com", PASSWORD, "--role", "admin")).stdout).toMatch(/role admin/);
    expect((await admin("create-user", "wes@example.com", PASSWORD, "--role=auditor")).stdout).toMatch(/role auditor/);
  });

  it("create-user refuses a duplicate, a bad role and a short password with exit code 1 and a reason", async () => {
    expect(await admin("create-user", "uma@example.com", PASSWORD)).toEqual({ code: 1, stdout: "", stderr: "An account with this email already exists." });
    expect(await admin("create-user", "x@example.com", PASSWORD, "--role", "root")).toMatchObject({ code: 1, stderr: "The role must be one of: user, auditor, admin." });
    expect(await admin("create-user", "y@example.com", "short")).toMatchObject({ code: 1, stderr: "Use at least 10 characters for the password." });
  });

  it("answers wrong arguments with the usage and exit code 2", async () => {
    const missing = await admin("create-user", "only@example.com");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("Expected 2 arguments, got 1.\nUsage: npm run admin -- create-user <email> <password> [--role user|auditor|admin]");
    expect((await admin("create-user", "a@example.com", PASSWORD, "--admin")).stderr).toMatch(/^Unknown option --admin\./);
    expect((await admin("create-user", "a@example.com", PASSWORD, "--role")).stderr).toMatch(/^Option --role needs a value\./);
    expect((await admin("set-role", "uma@example.com")).code).toBe(2);
    expect(await admin("frobnicate")).toMatchObject({ code: 2, stderr: expect.stringMatching(/^Unknown command "frobnicate"\.\n\nUsage:/) });
    expect((await admin()).code).toBe(2);
    const help = await admin("help");
    expect(help.code).toBe(0);
    for (const c of COMMANDS) expect(help.stdout).toContain(`npm run admin -- ${c.name}`);
  });

  it("set-role changes a role, says when nothing changed, and refuses unknown users and roles", async () => {
    expect(await admin("set-role", "uma@example.com", "auditor")).toEqual({ code: 0, stdout: "Changed the role of uma@example.com from user to auditor.", stderr: "" });
    expect((await admin("set-role", "uma@example.com", "auditor")).stdout).toBe("uma@example.com already has the role auditor; nothing changed.");
    expect(await admin("set-role", "ghost@example.com", "admin")).toMatchObject({ code: 1, stderr: "No user has the email ghost@example.com." });
    expect(await admin("set-role", "uma@example.com", "owner")).toMatchObject({ code: 1 });
  });

  it("revoke-account disables the account so it can no longer sign in", async () => {
    await admin("create-user", "zed@example.com", PASSWORD);
    expect(await admin("revoke-account", "zed@example.com")).toEqual({ code: 0, stdout: "Disabled zed@example.com; signed-in sessions ended; 0 active grants revoked.", stderr: "" });
    expect(await authenticate(db, { email: "zed@example.com", password: PASSWORD, ip: null })).toEqual({ ok: false, reason: "account_disabled" });
    expect(await admin("revoke-account", "ghost@example.com")).toMatchObject({ code: 1, stderr: "No user has the email ghost@example.com." });
  });

  it("list-users prints a table of accounts without password hashes", async () => {
    const result = await admin("list-users");
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toMatch(/^EMAIL\s+ROLE\s+STATUS\s+CREATED$/);
    expect(result.stdout).toMatch(/uma@example\.com\s+auditor\s+active/);
    expect(result.stdout).toMatch(/zed@example\.com\s+user\s+disabled/);
    expect(result.stdout).not.toContain("argon2");
    expect((await admin("list-users", "extra")).code).toBe(2);
  });

  it("runs as `npm run admin` would: a separate process, exit codes and all", async () => {
    const env = { ...process.env, APP_ENV: "test", DATA_DIR: "tmp/test-data", DATABASE_URL: target.url() };
    const cli = (...args: string[]) => execFileAsync(process.execPath, ["--import", "tsx", "scripts/admin.ts", ...args], { env });
    const ok = await cli("create-user", "proc@example.com", PASSWORD, "--role", "admin");
    expect(ok.stdout).toMatch(/^Created proc@example\.com with role admin/);
    expect(await db.user.findUnique({ where: { email: "proc@example.com" } })).toMatchObject({ role: "admin" });
    const bad = await cli("set-role", "proc@example.com").catch((e) => e);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^Expected 2 arguments, got 1\./);
  });

  it("tells the operator to migrate when the database has no tables yet", async () => {
    const empty = { ...deps(), db: createDb(target.name === "sqlite" ? `file:${path.resolve("tmp/test-db", `${randomUUID()}.db`)}` : target.url().replace(/\/[^/?]+(\?|$)/, "/postgres$1")) };
    try {
      const result = await runAdmin(["list-users"], () => empty);
      expect(result).toMatchObject({ code: 1, stderr: expect.stringMatching(/^The database has no tables yet\. Run `npm run db:migrate`/) });
    } finally {
      await empty.db.$disconnect();
    }
  });
});

describe("argument parsing", () => {
  it("rejects a flag given twice", () => {
    expect(() => parseArgs(["a", "--role", "x", "--role", "y"], 1, ["role"])).toThrow(UsageError);
  });
});
