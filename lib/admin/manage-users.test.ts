import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { testDatabases } from "../../tests/harness/databases";
import { ADMIN_CLI_ACTOR, createUser, type PublicUser } from "../auth/users";
import { changeRoleAsAdmin, revokeAccountAsAdmin } from "./manage-users";

const PASSWORD = "correct horse battery";

describe.each(testDatabases())("admin console actions on $name", (target) => {
  let db: Db;
  let admin: PublicUser;
  beforeAll(async () => {
    db = await target.open();
    admin = await createUser(db, { email: "boss@example.com", password: PASSWORD, role: "admin" }, ADMIN_CLI_ACTOR);
    await createUser(db, { email: "ann@example.com", password: PASSWORD }, ADMIN_CLI_ACTOR);
  });
  afterAll(() => target.close());

  it("changes a role, audited as the admin who did it", async () => {
    expect(await changeRoleAsAdmin(db, admin, "ann@example.com", "auditor")).toBe("role_changed");
    expect(await changeRoleAsAdmin(db, admin, "ann@example.com", "auditor")).toBe("role_unchanged");
    const entry = await db.auditEvent.findFirstOrThrow({ where: { type: "role.changed" }, orderBy: { seq: "desc" } });
    expect(entry).toMatchObject({ actorType: "user", actorId: admin.id });
  });

  it("refuses to let an admin demote or revoke themselves from the browser", async () => {
    expect(await changeRoleAsAdmin(db, admin, "BOSS@example.com", "user")).toBe("self_demote");
    expect(await revokeAccountAsAdmin(db, admin, "boss@example.com")).toBe("self_revoke");
    expect((await db.user.findUniqueOrThrow({ where: { id: admin.id } })).role).toBe("admin");
  });

  it("revokes another account and reports unknown users and bad input", async () => {
    expect(await revokeAccountAsAdmin(db, admin, "ann@example.com")).toBe("account_revoked");
    expect((await db.user.findUniqueOrThrow({ where: { email: "ann@example.com" } })).disabledAt).not.toBeNull();
    expect(await revokeAccountAsAdmin(db, admin, "ghost@example.com")).toBe("not_found");
    expect(await changeRoleAsAdmin(db, admin, "ann@example.com", "root")).toBe("invalid");
    expect(await changeRoleAsAdmin(db, admin, null, "user")).toBe("invalid");
  });
});
