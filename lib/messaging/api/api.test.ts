import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../db";
import { testDatabases } from "../../../tests/harness/databases";
import { JwksCache } from "../../resource-server/jwks-cache";
import { startTestIssuer, type TestIssuer } from "../../resource-server/test-issuer";
import { sandboxProvider } from "../providers/sandbox";
import { makeGrant, testDeps, type GrantFixture } from "../test-fixtures";
import { createMessagingApiContext, type MessagingApiContext } from "./context";
import { handleGetMessage } from "./get-message";
import { handlePostMessage } from "./post-message";

const API = "http://localhost:3000/api/messages";

describe.each(testDatabases())("the messaging API on $name", (target) => {
  let db: Db;
  let issuer: TestIssuer;
  let ctx: MessagingApiContext;
  beforeAll(async () => {
    db = await target.open();
    issuer = await startTestIssuer({ aud: API, client_id: "mcp-server", act: { sub: "mcp-server", act: { sub: "agent" } } });
    const deps = testDeps(db, { ISSUER_URL: issuer.issuer, MESSAGING_RESOURCE_URL: API });
    ctx = createMessagingApiContext(deps, { getKey: new JwksCache({ issuer: issuer.issuer }).getKey, provider: sandboxProvider() });
  });
  afterAll(async () => {
    await issuer.close();
    await target.close();
  });

  const token = (g: GrantFixture, claims: Record<string, unknown> = {}) =>
    issuer.mint({ sub: g.userId, grant_id: g.grantId, authorization_details: g.details, ...claims });
  const send = (auth: string | null, body: unknown, headers: Record<string, string> = {}) =>
    handlePostMessage(
      new Request(API, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...(auth ? { Authorization: `Bearer ${auth}` } : {}), ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body),
      }),
      ctx,
    );

  it("sends with a messaging-audience token, files the message under the grant and credits the service in the audit", async () => {
    const g = await makeGrant(db);
    const res = await send(await token(g), { to: "+15550100123", body: "hello" });
    expect(res.status).toBe(201);
    const message = await res.json();
    expect(message).toMatchObject({ to: "+15550100123", status: "delivered", grant_id: g.grantId });
    const queued = await db.auditEvent.findFirstOrThrow({ where: { grantId: g.grantId, type: "message.queued" } });
    expect(queued).toMatchObject({ actorType: "service", actorId: "mcp-server" });
  });

  it("refuses a token for the MCP server (wrong audience) and a request without a token", async () => {
    const g = await makeGrant(db);
    expect((await send(await token(g, { aud: "http://localhost:3001/mcp" }), { to: "+15550100123", body: "x" })).status).toBe(401);
    const none = await send(null, { to: "+15550100123", body: "x" });
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain('resource_metadata="http://localhost:3000/.well-known/oauth-protected-resource/api/messages"');
  });

  it("enforces the authorization details again: recipient, scope, quota and a live grant", async () => {
    const g = await makeGrant(db, { maxMessages: 1 });
    const t = await token(g);
    const other = await send(t, { to: "+15550100199", body: "x" });
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({ error: "recipient_not_allowed", limit: "recipients" });
    const readOnly = await send(await token(g, { scope: "messages:read" }), { to: "+15550100123", body: "x" });
    expect(readOnly.status).toBe(403);
    expect(readOnly.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
    expect((await send(t, { to: "+15550100123", body: "1" })).status).toBe(201);
    const spent = await send(t, { to: "+15550100123", body: "2" });
    expect(spent.status).toBe(403);
    expect(await spent.json()).toMatchObject({ error: "quota_exhausted", limit: "max_messages" });
    await db.grant.update({ where: { id: g.grantId }, data: { status: "revoked" } });
    const revoked = await send(t, { to: "+15550100123", body: "3" });
    expect(revoked.status).toBe(401);
    expect(await revoked.json()).toMatchObject({ error: "grant_revoked" });
    const denials = await db.auditEvent.findMany({ where: { grantId: g.grantId, type: "message.denied" }, orderBy: { seq: "asc" } });
    expect(denials.map((d) => d.reason)).toEqual(["recipient_not_allowed", "quota_exhausted", "grant_revoked"]);
  });

  it("makes retries with the same Idempotency-Key never double-send", async () => {
    const g = await makeGrant(db, { maxMessages: 5 });
    const t = await token(g);
    const first = await send(t, { to: "+15550100123", body: "once" }, { "Idempotency-Key": "abc-1" });
    const again = await send(t, { to: "+15550100123", body: "once" }, { "Idempotency-Key": "abc-1" });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await again.json()).id).toBe((await first.json()).id);
    expect(await db.message.count({ where: { grantId: g.grantId } })).toBe(1);
    const reused = await send(t, { to: "+15550100123", body: "different" }, { "Idempotency-Key": "abc-1" });
    expect(reused.status).toBe(422);
  });

  it("answers bad input with 4xx, never 500", async () => {
    const g = await makeGrant(db);
    const t = await token(g);
    expect((await send(t, "{nope")).status).toBe(400);
    expect((await send(t, { to: "+15550100123", body: "x" }, { "Content-Type": "text/plain" })).status).toBe(415);
    expect((await send(t, { to: "not a number", body: "x" })).status).toBe(400);
    expect((await send(t, { to: "+15550100123", body: "" })).status).toBe(400);
    expect((await send(t, { to: "+15550100123", body: "x".repeat(20_000) })).status).toBe(413);
    expect((await send(t, { to: "+15550100123", body: "x" }, { "Idempotency-Key": "bad key with spaces" })).status).toBe(400);
  });

  it("GET /api/messages/{id} shows a message to its grant with messages:read, and 404 to anyone else", async () => {
    const g = await makeGrant(db);
    const sent = await (await send(await token(g), { to: "+15550100123", body: "status?" })).json();
    const get = async (auth: string, id = sent.id) =>
      handleGetMessage(new Request(`${API}/${id}`, { headers: { Authorization: `Bearer ${auth}` } }), ctx, id);
    const ok = await get(await token(g));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ id: sent.id, status: "delivered" });
    const other = await makeGrant(db);
    expect((await get(await token(other))).status).toBe(404);
    expect((await get(await token(g, { scope: "messages:send" }))).status).toBe(403);
    expect((await get(await token(g), "nope")).status).toBe(404);
  });
});
