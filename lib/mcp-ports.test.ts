// The composition root: every port of the MCP server's runtime reaches the database of the
// container it was built from (each adapter's own behaviour is tested beside it).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "./db";
import { testDatabases } from "../tests/harness/databases";
import { MCP_DPOP_REPLAY_PURPOSE, mcpRuntime } from "./mcp-ports";
import { makeGrant, testDeps } from "./messaging/test-fixtures";

describe.each(testDatabases())("the MCP server's runtime on $name", (target) => {
  let db: Db;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());

  it("hands over the container's configuration and clock, and ports over its database", async () => {
    const now = () => new Date("2026-12-01T12:00:00.000Z");
    const deps = testDeps(db, {}, now);
    const { config, now: clock, ports } = mcpRuntime(deps);
    expect(config).toBe(deps.config);
    expect(clock).toBe(now);

    const g = await makeGrant(db);
    expect(await ports.grantStatus.read(g.grantId, undefined, now())).toMatchObject({ live: true, rootGrantId: g.grantId });
    await db.message.create({
      data: {
        grantId: g.grantId,
        userId: g.userId,
        clientId: g.clientId,
        recipient: "+15550100123",
        body: "hi",
        bodySha256: "0".repeat(64),
        provider: "sandbox",
      },
    });
    expect((await ports.messaging.sentUnder(g.grantId, 10)).map((m) => m.body)).toEqual(["hi"]);
    await ports.audit.append(
      { type: "tool.allowed", outcome: "success", actorType: "agent", actorId: g.clientId, grantId: g.grantId, details: { tool: "describe_grant" } },
      now(),
    );
    expect(await db.auditEvent.count({ where: { grantId: g.grantId, type: "tool.allowed" } })).toBe(1);
    expect(await ports.readiness.check()).toEqual({ ok: true });
    const extension = await ports.extensions.request({
      grantId: g.grantId,
      recipient: "+15550100999",
      maxMessages: 1,
      reason: "recipient_not_allowed",
      limits: deps.config.extensionRequests,
      now: now(),
    });
    expect(extension).toMatchObject({ kind: "pending", created: true });
  });

  it("keeps the MCP server's DPoP proof jtis under its own purpose, once each", async () => {
    const { ports } = mcpRuntime(testDeps(db));
    const expires = new Date(Date.now() + 60_000);
    expect(await ports.replay.use("proof-jti", expires, new Date())).toBe(true);
    expect(await ports.replay.use("proof-jti", expires, new Date())).toBe(false);
    const keys = (await db.seenJti.findMany()).map((r) => r.key);
    expect(keys).toHaveLength(1);
    expect(keys[0]?.startsWith(`${MCP_DPOP_REPLAY_PURPOSE}:`)).toBe(true);
  });
});
