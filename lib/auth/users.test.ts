import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { testDatabases } from "../../tests/harness/databases";
import { verifyPassword } from "./password";
import { ADMIN_CLI_ACTOR, createUser, findUserByEmail, listUsers, normalizeEmail, setRole, UserError } from "./users";

const lastAudit = (db: Db) => db.auditEvent.findFirstOrThrow({ orderBy: { seq: "desc" } });

describe.each(testDatabases())("user accounts on $name", (target) => {
  let db: Db;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());

  it("creates a user with a lower-cased email, an Argon2id hash and the role user, and audits it", async () => {
    const user = await createUser(db, { email: "  Alice@Example.COM ", password: "correct horse battery" }, { type: "user" });
    expect(user).toMatchObject({ email: "alice@example.com", role: "user", sessionVersion: 0, disabledAt: null });
    const row = await db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(row.passwordHash, "correct horse battery")).toBe(true);
    const audit = await lastAudit(db);
    expect(audit).toMatchObject({ type: "user.created", outcome: "success", actorType: "user", actorId: user.id, subjectUserId: user.id });
    expect(JSON.parse(audit.details)).toEqual({ role: "user", via: "signup" });
    expect(audit.details).not.toContain("correct horse");
  });

  it("refuses a second account for the same email, whatever its case", async () => {
    await createUser(db, { email: "bob@example.com", password: "correct horse battery" }, ADMIN_CLI_ACTOR);
    const err = await createUser(db, { email: "BOB@example.com", password: "another password" }, ADMIN_CLI_ACTOR).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err).toMatchObject({ code: "email_taken", message: "An account with this email already exists." });
  });

  it("lets exactly one of two simultaneous sign-ups for one email succeed", async () => {
    const results = await Promise.allSettled([
      createUser(db, { email: "race@example.com", password: "correct horse battery" }, { type: "user" }),
      createUser(db, { email: "race@example.com", password: "correct horse battery" }, { type: "user" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ code: "email_taken" });
  });

  it("rejects invalid emails, short passwords and unknown roles with readable messages", async () => {
    const attempt = (input: Parameters<typeof createUser>[1]) => createUser(db, input, ADMIN_CLI_ACTOR).catch((e) => e);
    expect(await attempt({ email: "not-an-email", password: "correct horse battery" })).toMatchObject({ code: "invalid_email", message: "Enter a valid email address." });
    expect(await attempt({ email: "short@example.com", password: "short" })).toMatchObject({
      code: "invalid_password",
      message: "Use at least 10 characters for the password.",
    });
    expect(await attempt({ email: "role@example.com", password: "correct horse battery", role: "root" as never })).toMatchObject({ code: "invalid_role" });
    expect(await findUserByEmail(db, "role@example.com")).toBeNull();
  });

  it("creates admins and auditors from the admin CLI, recorded as the CLI's doing", async () => {
    const admin = await createUser(db, { email: "root@example.com", password: "correct horse battery", role: "admin" }, ADMIN_CLI_ACTOR);
    expect(admin.role).toBe("admin");
    expect(await lastAudit(db)).toMatchObject({ type: "user.created", actorType: "system", actorId: "admin-cli", subjectUserId: admin.id });
  });

  it("changes a role and audits from and to; setting the same role again changes nothing", async () => {
    await createUser(db, { email: "carol@example.com", password: "correct horse battery" }, ADMIN_CLI_ACTOR);
    const changed = await setRole(db, "Carol@example.com", "auditor", ADMIN_CLI_ACTOR);
    expect(changed).toMatchObject({ changed: true, previousRole: "user", user: { role: "auditor" } });
    const audit = await lastAudit(db);
    expect(audit).toMatchObject({ type: "role.changed", subjectUserId: changed.user.id });
    expect(JSON.parse(audit.details)).toEqual({ from: "user", to: "auditor" });
    const again = await setRole(db, "carol@example.com", "auditor", ADMIN_CLI_ACTOR);
    expect(again.changed).toBe(false);
    expect((await lastAudit(db)).seq).toBe(audit.seq);
  });

  it("refuses to set a role for an unknown user or to an unknown role", async () => {
    await expect(setRole(db, "nobody@example.com", "admin", ADMIN_CLI_ACTOR)).rejects.toMatchObject({ code: "not_found" });
    await expect(setRole(db, "carol@example.com", "superuser", ADMIN_CLI_ACTOR)).rejects.toMatchObject({
      code: "invalid_role",
      message: "The role must be one of: user, auditor, admin.",
    });
  });

  it("finds users by email in any case and lists them without password hashes", async () => {
    expect((await findUserByEmail(db, "ALICE@example.com"))?.email).toBe("alice@example.com");
    expect(await findUserByEmail(db, "garbage")).toBeNull();
    const all = await listUsers(db);
    expect(all.map((u) => u.email)).toContain("root@example.com");
    expect(JSON.stringify(all)).not.toContain("argon2");
  });

  it("normalizes emails and rejects non-strings", () => {
    expect(normalizeEmail(" X@Y.org ")).toBe("x@y.org");
    expect(() => normalizeEmail(42)).toThrow(UserError);
  });
});
