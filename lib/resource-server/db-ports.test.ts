// The resource-server ports' database adapters (what the MCP server reads and writes through),
// each on each database: grant status, extension requests, the audit log, readiness and the
// revocation feed. The MCP server's own tests (mcp-server/) exercise them end to end.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyChain } from "../audit/verify";
import { writeTransaction } from "../db";
import { createDb, type Db } from "../db/client";
import { testDatabases } from "../../tests/harness/databases";
import { makeGrant } from "../messaging/test-fixtures";
import { announceRevocation } from "../revocation/announce";
import type { RevocationEvent } from "../revocation/events";
import { dbAuditLog, dbExtensionRequests, dbGrantStatus, dbReadiness, dbRevocationFeed } from "./db-ports";

const LIMITS = { ttlSeconds: 300, pendingPerGrant: 2, perGrantPerHour: 4 };

describe.each(testDatabases())("resource-server ports over the database on $name", (target) => {
  let db: Db;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());

  it("grant status: a live grant with its chain, then a revoked token and a revoked grant", async () => {
    const g = await makeGrant(db, { recipients: ["+15550100123"], maxMessages: 2 });
    const port = dbGrantStatus(db);
    expect(await port.read(g.grantId, "jti-live", new Date())).toMatchObject({
      live: true,
      rootGrantId: g.grantId,
      userId: g.userId,
      clientId: g.clientId,
      chain: [{ id: g.grantId, details: g.details, entries: [{ position: 0, maxMessages: 2, used: 0 }] }],
    });
    await db.issuedToken.create({
      data: { jti: "jti-revoked", grantId: g.grantId, clientId: g.clientId, expiresAt: new Date(Date.now() + 60_000), revokedAt: new Date() },
    });
    expect(await port.read(g.grantId, "jti-revoked", new Date())).toEqual({ live: false, reason: "token_revoked" });
    await db.grant.update({ where: { id: g.grantId }, data: { status: "revoked" } });
    expect(await port.read(g.grantId, undefined, new Date())).toEqual({ live: false, reason: "grant_revoked" });
    expect(await port.read("no-such-grant", undefined, new Date())).toEqual({ live: false, reason: "grant_not_found" });
  });

  it("extension requests: one waiting request per recipient, stored and audited", async () => {
    const g = await makeGrant(db, { recipients: ["+15550100123"] });
    const port = dbExtensionRequests(db);
    const input = { grantId: g.grantId, recipient: "+15550100999", maxMessages: 3, reason: "recipient_not_allowed" as const, limits: LIMITS, now: new Date() };
    const first = await port.request(input);
    expect(first).toMatchObject({ kind: "pending", created: true, request: { grantId: g.grantId, recipients: ["+15550100999"], maxMessages: 3 } });
    expect(await port.request(input)).toMatchObject({ kind: "pending", created: false, request: { id: first.kind === "pending" ? first.request.id : "" } });
    expect(await db.grantExtensionRequest.count({ where: { grantId: g.grantId, status: "pending" } })).toBe(1);
    expect(await db.auditEvent.count({ where: { grantId: g.grantId, type: "grant.extension_requested" } })).toBe(1);
    // A recipient the grant already covers is not asked for.
    expect(await port.request({ ...input, recipient: "+15550100123" })).toEqual({ kind: "covered" });
  });

  it("audit log: appends a chained entry at the given time, and rejects (fail closed) when the chain cannot be written", async () => {
    const g = await makeGrant(db);
    const port = dbAuditLog(db);
    const at = new Date("2026-12-01T09:00:00.000Z");
    const event = {
      type: "tool.allowed" as const,
      outcome: "success" as const,
      actorType: "agent" as const,
      actorId: g.clientId,
      subjectUserId: g.userId,
      clientId: g.clientId,
      grantId: g.grantId,
      reason: null,
      details: { tool: "list_messages", token_jti: "jti-1" },
    };
    await port.append(event, at);
    const row = await db.auditEvent.findFirstOrThrow({ where: { grantId: g.grantId, type: "tool.allowed" } });
    expect(row).toMatchObject({ actorType: "agent", actorId: g.clientId, outcome: "success", time: at });
    expect(JSON.parse(row.details)).toEqual({ tool: "list_messages", token_jti: "jti-1" });
    expect((await verifyChain(db)).ok).toBe(true);

    // A secret in the details is refused before anything is written.
    const before = await db.auditEvent.count();
    await expect(port.append({ ...event, details: { tool: "send_message", body: "hello" } }, at)).rejects.toThrow(/not allowed/);
    // Without its head row the chain cannot be extended: the append rejects and writes nothing.
    const head = await db.auditHead.findUniqueOrThrow({ where: { id: 1 } });
    await db.auditHead.delete({ where: { id: 1 } });
    try {
      await expect(port.append(event, at)).rejects.toThrow();
    } finally {
      await db.auditHead.create({ data: head });
    }
    expect(await db.auditEvent.count()).toBe(before);
    expect((await verifyChain(db)).ok).toBe(true);
  });

  it("readiness: ok while the database answers, a reason (not an error) when it does not", async () => {
    expect(await dbReadiness(db).check()).toEqual({ ok: true });
    const unreachable = createDb("postgresql://nobody:nothing@127.0.0.1:1/none");
    try {
      expect(await dbReadiness(unreachable).check()).toEqual({ ok: false, reason: "database unreachable" });
    } finally {
      await unreachable.$disconnect().catch(() => undefined);
    }
  });

  it("revocation feed: a revocation committed through another client reaches the subscriber, on the handle's own database", async () => {
    const other = createDb(target.url());
    const events: RevocationEvent[] = [];
    let arrived: () => void = () => undefined;
    const next = new Promise<void>((resolve) => (arrived = resolve));
    // The configured URL is a decoy: the feed listens where the handle was opened.
    const listener = dbRevocationFeed(db, "postgresql://nobody:nothing@127.0.0.1:1/none").subscribe("db-ports test", (event) => {
      events.push(event);
      arrived();
    });
    try {
      await listener.ready;
      await writeTransaction(other, (tx) => announceRevocation(tx, { kind: "grants", ids: ["grant-1"] }));
      await next;
      expect(events).toEqual([{ kind: "grants", ids: ["grant-1"] }]);
    } finally {
      await listener.stop();
      await other.$disconnect();
    }
  });
});
