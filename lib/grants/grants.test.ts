import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { writeTransaction } from "../db/transaction";
import { testDatabases } from "../../tests/harness/databases";
import type { MessagingDetail } from "../authorization-details";
import { createGrant, grantedDetailsOf } from "./create";
import { revokeGrant, revokeGrantsForClient } from "./revoke";
import { grantEntryLimits } from "./entries";
import { getLiveGrant, grantStatus } from "./status";
import { listGrantsForUser } from "./queries";
import { readGrantStatus } from "../resource-server/grant-status";

const asked: MessagingDetail[] = [{ type: "messaging", actions: ["send"], recipients: ["+15550100123", "+15550100124"], max_messages: 5 }];
const granted: MessagingDetail[] = [{ type: "messaging", actions: ["send"], recipients: ["+15550100123"], max_messages: 3 }];

describe.each(testDatabases())("grants on $name", (target) => {
  let db: Db;
  let userId: string;
  const now = new Date("2026-11-22T10:00:00Z");
  const inOneHour = new Date(now.getTime() + 3600_000);

  beforeAll(async () => {
    db = await target.open();
    const user = await db.user.create({ data: { email: "grants@example.com", passwordHash: "x" } });
    userId = user.id;
    await db.client.create({ data: { id: "agent-a", kind: "dynamic", name: "Agent A" } });
    await db.client.create({ data: { id: "agent-b", kind: "dynamic", name: "Agent B" } });
  });
  afterAll(() => target.close());

  const make = (clientId = "agent-a", extra: Partial<Parameters<typeof createGrant>[1]> = {}) =>
    writeTransaction(db, (tx) =>
      createGrant(tx, {
        userId,
        clientId,
        resource: "http://localhost:3001/mcp",
        scope: "messages:send",
        requestedDetails: asked,
        grantedDetails: granted,
        expiresAt: inOneHour,
        createdVia: "ciba",
        ...extra,
      }),
    );

  it("records the user, agent, resource, scopes, both detail sets, expiry, each entry's message budget and origin", async () => {
    const grant = await make();
    expect(grant).toMatchObject({ userId, clientId: "agent-a", scope: "messages:send", status: "active", createdVia: "ciba" });
    expect(await grantEntryLimits(db, grant.id)).toEqual([{ entry: 0, recipients: granted[0]?.recipients, max_messages: 3, used: 0, left: 3 }]);
    expect(grant.expiresAt.toISOString()).toBe(inOneHour.toISOString());
    expect(grantedDetailsOf(grant)).toEqual(granted);
    expect(JSON.parse(grant.requestedAuthorizationDetails)).toEqual(asked);
  });

  it("checklist 101: gives an entry without max_messages no limit, and every other entry its own", async () => {
    const grant = await make("agent-a", {
      grantedDetails: [
        { type: "messaging", actions: ["send"], recipients: ["+15550100123"] },
        { type: "messaging", actions: ["send"], recipients: ["+15550100999"], max_messages: 5 },
      ],
    });
    expect(await grantEntryLimits(db, grant.id)).toEqual([
      { entry: 0, recipients: ["+15550100123"], used: 0 },
      { entry: 1, recipients: ["+15550100999"], max_messages: 5, used: 0, left: 5 },
    ]);
  });

  it("refuses to grant details without recipients", async () => {
    await expect(make("agent-a", { grantedDetails: [{ type: "messaging", actions: ["send"], recipients: [] }] })).rejects.toThrow(/recipient/);
  });

  it("is live until it expires, then reported expired", async () => {
    const grant = await make();
    expect((await getLiveGrant(db, grant.id, now))?.id).toBe(grant.id);
    expect(await getLiveGrant(db, grant.id, inOneHour)).toBeNull();
    const [status] = await grantStatus(db, [grant.id], inOneHour);
    expect(status).toEqual({ id: grant.id, status: "expired", expires_at: inOneHour.toISOString(), message_limits: [{ entry: 0, recipients: granted[0]?.recipients, max_messages: 3, used: 0, left: 3 }] });
  });

  it("revoking ends its refresh and access tokens and its exchanged children, with audit entries", async () => {
    const grant = await make();
    const child = await make("agent-a", { createdVia: "exchange", parentGrantId: grant.id, resource: "http://localhost:3000/api/messages" });
    await db.refreshToken.create({ data: { tokenHash: `h-${grant.id}`, grantId: grant.id, clientId: "agent-a", scope: "messages:send", resource: "r", expiresAt: inOneHour } });
    await db.issuedToken.create({ data: { jti: `j-${grant.id}`, grantId: grant.id, clientId: "agent-a", expiresAt: inOneHour } });
    await db.issuedToken.create({ data: { jti: `j-${child.id}`, grantId: child.id, clientId: "mcp-server", expiresAt: inOneHour } });
    const auditBefore = await db.auditEvent.count();

    const result = await writeTransaction(db, (tx) => revokeGrant(tx, grant.id, "revoked by the user", { type: "user", id: userId }, now));
    expect(result).toEqual({ grantIds: [grant.id, child.id], refreshTokens: 1, accessTokens: 2 });
    expect(await getLiveGrant(db, grant.id, now)).toBeNull();
    expect(await getLiveGrant(db, child.id, now)).toBeNull();
    expect((await db.refreshToken.findUniqueOrThrow({ where: { tokenHash: `h-${grant.id}` } })).revokedAt).not.toBeNull();
    expect((await db.issuedToken.findUniqueOrThrow({ where: { jti: `j-${child.id}` } })).revokedAt).not.toBeNull();
    const events = await db.auditEvent.findMany({ where: { seq: { gt: auditBefore } }, orderBy: { seq: "asc" } });
    expect(events.map((e) => [e.type, e.grantId])).toEqual([
      ["grant.revoked", expect.any(String)],
      ["grant.revoked", expect.any(String)],
      ["token.revoked", grant.id],
    ]);
    expect(new Set(events.slice(0, 2).map((e) => e.grantId))).toEqual(new Set([grant.id, child.id]));
    expect(events[0]).toMatchObject({ actorType: "user", actorId: userId, subjectUserId: userId, reason: "revoked by the user" });

    const again = await writeTransaction(db, (tx) => revokeGrant(tx, grant.id, "again", { type: "user", id: userId }, now));
    expect(again.grantIds).toEqual([]);
    expect(await db.auditEvent.count()).toBe(auditBefore + 3);
  });

  it("reports status for many ids in order, unknown ids as unknown", async () => {
    const a = await make();
    const b = await make();
    await writeTransaction(db, (tx) => revokeGrant(tx, b.id, "test", { type: "system" }, now));
    const statuses = await grantStatus(db, [b.id, "nope", a.id, a.id], now);
    expect(statuses.map((s) => [s.id, s.status])).toEqual([
      [b.id, "revoked"],
      ["nope", "unknown"],
      [a.id, "active"],
    ]);
  });

  it("revokes all of one agent's grants for the user and leaves other agents' alone", async () => {
    const a1 = await make("agent-a");
    const b1 = await make("agent-b");
    await writeTransaction(db, (tx) => revokeGrantsForClient(tx, userId, "agent-a", "revoke all", { type: "user", id: userId }, now));
    expect(await getLiveGrant(db, a1.id, now)).toBeNull();
    expect((await getLiveGrant(db, b1.id, now))?.id).toBe(b1.id);
  });

  it("is not live once the user's account is disabled", async () => {
    const other = await db.user.create({ data: { email: `d-${target.name}@example.com`, passwordHash: "x" } });
    const grant = await make("agent-a", { userId: other.id } as never);
    expect((await getLiveGrant(db, grant.id, now))?.id).toBe(grant.id);
    await db.user.update({ where: { id: other.id }, data: { disabledAt: now } });
    expect(await getLiveGrant(db, grant.id, now)).toBeNull();
    // One status for one fact: the issuer's feed and the resource servers' read agree.
    expect((await grantStatus(db, [grant.id], now))[0]?.status).toBe("account_disabled");
    expect(await readGrantStatus(db, grant.id, undefined, now)).toEqual({ live: false, reason: "account_disabled" });
  });

  it("lists live grants and past ones separately, without exchanged children", async () => {
    const { active, past } = await listGrantsForUser(db, userId, { now });
    expect(active.every((g) => g.status === "active" && g.clientId === "agent-b")).toBe(true);
    expect(active.length).toBeGreaterThan(0);
    expect(past.some((g) => g.status === "revoked" && g.clientName === "Agent A")).toBe(true);
    expect([...active, ...past].some((g) => g.createdVia === "exchange")).toBe(false);
    expect(active[0]?.details).toEqual(granted);
  });
});
