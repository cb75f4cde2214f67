import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { writeTransaction } from "../db/transaction";
import { testDatabases } from "../../tests/harness/databases";
import { createGrant } from "../grants/create";
import { revokeAccount } from "./account-revocation";
import { authenticate } from "./authenticate";
import { ADMIN_CLI_ACTOR, createUser } from "./users";

const PASSWORD = "correct horse battery";
const details = [{ type: "messaging" as const, actions: ["send" as const], recipients: ["+15550100123"], max_messages: 3 }];

describe.each(testDatabases())("account revocation on $name", (target) => {
  let db: Db;
  beforeAll(async () => {
    db = await target.open();
    await db.client.create({ data: { id: "agent-1", kind: "dynamic", name: "Agent 1" } });
  });
  afterAll(() => target.close());

  const grantFor = (userId: string) =>
    writeTransaction(db, (tx) =>
      createGrant(tx, {
        userId,
        clientId: "agent-1",
        resource: "http://localhost:3001/mcp",
        scope: "messages:send",
        requestedDetails: details,
        grantedDetails: details,
        expiresAt: new Date(Date.now() + 3600_000),
        createdVia: "code",
      }),
    );

  it("disables the account, bumps its session version, revokes its grants and tokens, and audits it", async () => {
    const user = await createUser(db, { email: "mallory@example.com", password: PASSWORD }, ADMIN_CLI_ACTOR);
    const other = await createUser(db, { email: "olive@example.com", password: PASSWORD }, ADMIN_CLI_ACTOR);
    const g1 = await grantFor(user.id);
    const g2 = await grantFor(user.id);
    const kept = await grantFor(other.id);
    await db.refreshToken.create({ data: { tokenHash: "h1", grantId: g1.id, clientId: "agent-1", scope: "messages:send", resource: "r", expiresAt: new Date(Date.now() + 3600_000) } });

    const result = await revokeAccount(db, "Mallory@example.com", ADMIN_CLI_ACTOR);
    expect(result).toMatchObject({ grantsRevoked: 2, newlyDisabled: true, user: { sessionVersion: 1 } });
    expect(result.user.disabledAt).toBeInstanceOf(Date);

    const grants = await db.grant.findMany({ where: { id: { in: [g1.id, g2.id, kept.id] } } });
    expect(Object.fromEntries(grants.map((g) => [g.id, g.status]))).toEqual({ [g1.id]: "revoked", [g2.id]: "revoked", [kept.id]: "active" });
    expect((await db.refreshToken.findUniqueOrThrow({ where: { tokenHash: "h1" } })).revokedAt).not.toBeNull();

    const entry = await db.auditEvent.findFirstOrThrow({ where: { type: "account.revoked" } });
    expect(entry).toMatchObject({ actorType: "system", actorId: "admin-cli", subjectUserId: user.id });
    expect(JSON.parse(entry.details)).toEqual({ grants_revoked: 2, session_version: 1 });
    expect(await db.auditEvent.count({ where: { type: "grant.revoked", subjectUserId: user.id } })).toBe(2);

    expect(await authenticate(db, { email: "mallory@example.com", password: PASSWORD, ip: null })).toEqual({ ok: false, reason: "account_disabled" });
  });

  it("can be repeated: the session version moves again and the original disable time stays", async () => {
    const first = await db.user.findUniqueOrThrow({ where: { email: "mallory@example.com" } });
    const again = await revokeAccount(db, "mallory@example.com", ADMIN_CLI_ACTOR);
    expect(again).toMatchObject({ grantsRevoked: 0, newlyDisabled: false, user: { sessionVersion: 2 } });
    expect(again.user.disabledAt?.getTime()).toBe(first.disabledAt?.getTime());
  });

  it("says so when no user has that email", async () => {
    await expect(revokeAccount(db, "ghost@example.com", ADMIN_CLI_ACTOR)).rejects.toMatchObject({ code: "not_found" });
  });
});
