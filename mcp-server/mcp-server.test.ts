import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Db } from "@/lib/db";
import { makeGrant, type GrantFixture } from "@/lib/messaging/test-fixtures";
import { testDatabases } from "@/tests/harness/databases";
import { MCP_RESOURCE, startTestStack, type TestStack } from "./test-stack";

type ToolResult = { isError?: boolean; structuredContent?: Record<string, unknown>; content?: unknown };

describe.each(testDatabases())("the MCP server on $name", (target) => {
  let db: Db;
  let stack: TestStack;
  // Everything the processes under test print, to check that no token ever shows up (checklist 64).
  const printed: string[] = [];
  const minted: string[] = [];
  const originals = { log: console.log, error: console.error, warn: console.warn, info: console.info };
  beforeAll(async () => {
    for (const k of Object.keys(originals) as (keyof typeof originals)[]) {
      console[k] = (...args: unknown[]) => {
        printed.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : typeof a === "string" ? a : JSON.stringify(a))).join(" "));
        originals[k](...args);
      };
    }
    db = await target.open();
    stack = await startTestStack(db);
  });
  afterAll(async () => {
    Object.assign(console, originals);
    await stack?.close();
    await target.close();
  });

  async function tokenFor(g: GrantFixture, claims: Record<string, unknown> = {}) {
    const token = await stack.issuer.mint({ sub: g.userId, client_id: g.clientId, grant_id: g.grantId, authorization_details: g.details, ...claims });
    minted.push(token);
    return token;
  }

  async function connect(token: string): Promise<Client> {
    const client = new Client({ name: "test-agent", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(stack.mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    return client;
  }

  const call = (client: Client, name: string, args: Record<string, unknown> = {}) => client.callTool({ name, arguments: args }) as Promise<ToolResult>;

  const post = (body: unknown, headers: Record<string, string> = {}, url = stack.mcpUrl) =>
    fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  const initialize = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } } };

  it("answers 401 with resource_metadata and scope when no token is sent", async () => {
    const res = await post(initialize);
    expect(res.status).toBe(401);
    const challenge = res.headers.get("www-authenticate")!;
    expect(challenge).toContain('resource_metadata="http://localhost:3001/.well-known/oauth-protected-resource/mcp"');
    expect(challenge).toContain('scope="messages:send messages:read"');
  });

  it("serves protected resource metadata at the path-inserted URL and at the root, with the configured resource", async () => {
    const base = new URL(stack.mcpUrl).origin;
    for (const path of ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"]) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(200);
      const doc = await res.json();
      expect(doc.resource).toBe(MCP_RESOURCE);
      expect(doc.authorization_servers).toEqual([stack.issuer.issuer]);
      expect(doc.scopes_supported).toEqual(["messages:send", "messages:read"]);
    }
  });

  it("is stateless: GET and DELETE are 405", async () => {
    expect((await fetch(stack.mcpUrl)).status).toBe(405);
    expect((await fetch(stack.mcpUrl, { method: "DELETE" })).status).toBe(405);
  });

  it("validates Origin and exposes WWW-Authenticate and Mcp-Session-Id to allowed browser origins", async () => {
    const evil = await post(initialize, { Origin: "http://evil.example" });
    expect(evil.status).toBe(403);
    const ok = await post(initialize, { Origin: "http://localhost:6274" });
    expect(ok.status).toBe(401);
    expect(ok.headers.get("access-control-allow-origin")).toBe("http://localhost:6274");
    expect(ok.headers.get("access-control-expose-headers")).toContain("WWW-Authenticate");
    expect(ok.headers.get("access-control-expose-headers")).toContain("Mcp-Session-Id");
    const preflight = await fetch(stack.mcpUrl, { method: "OPTIONS", headers: { Origin: "http://localhost:6274", "Access-Control-Request-Method": "POST" } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-headers")).toContain("Authorization");
  });

  it("rejects a token in the query string, a token for another audience and an expired one with 401", async () => {
    const g = await makeGrant(db);
    const token = await tokenFor(g);
    expect((await post(initialize, {}, `${stack.mcpUrl}?access_token=${token}`)).status).toBe(401);
    const otherAud = await tokenFor(g, { aud: stack.messagingUrl });
    const res = await post(initialize, { Authorization: `Bearer ${otherAud}` });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
    const now = Math.floor(Date.now() / 1000);
    const expired = await tokenFor(g, { iat: now - 700, nbf: now - 700, exp: now - 60 });
    expect((await post(initialize, { Authorization: `Bearer ${expired}` })).status).toBe(401);
  });

  it("sends through the messaging API with an exchanged token, never the agent's", async () => {
    const g = await makeGrant(db, { maxMessages: 2 });
    const token = await tokenFor(g);
    const client = await connect(token);
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name).sort()).toEqual(["describe_grant", "list_messages", "send_message"]);
    const before = stack.messagingAuth.length;
    const result = await call(client, "send_message", { to: "+1 555 010 0123", body: "Running late" });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ status: "delivered", to: "+15550100123" });
    const sent = stack.messagingAuth.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).not.toContain(token);
    const message = await db.message.findUniqueOrThrow({ where: { id: String(result.structuredContent!.message_id) } });
    expect(message).toMatchObject({ grantId: g.grantId, userId: g.userId, status: "delivered" });
    const types = (await db.auditEvent.findMany({ where: { grantId: g.grantId }, orderBy: { seq: "asc" } })).map((e) => `${e.type}:${e.actorType}`);
    expect(types).toEqual(["tool.allowed:agent", "message.queued:service", "message.delivered:service"]);
    await client.close();
  });

  it("denies another recipient and a message past the quota, naming the limit, and audits both", async () => {
    const g = await makeGrant(db, { maxMessages: 2 });
    const client = await connect(await tokenFor(g));
    const other = await call(client, "send_message", { to: "+15550100199", body: "hi" });
    expect(other.isError).toBe(true);
    expect(other.structuredContent).toMatchObject({ error: "recipient_not_allowed", limit: "recipients" });
    expect((await call(client, "send_message", { to: "+15550100123", body: "1" })).isError).toBeFalsy();
    expect((await call(client, "send_message", { to: "+15550100123", body: "2" })).isError).toBeFalsy();
    const third = await call(client, "send_message", { to: "+15550100123", body: "3" });
    expect(third.structuredContent).toMatchObject({ error: "quota_exhausted", limit: "max_messages" });
    const denied = await db.auditEvent.findMany({ where: { grantId: g.grantId, type: "tool.denied" }, orderBy: { seq: "asc" } });
    expect(denied.map((e) => e.reason)).toEqual(["recipient_not_allowed", "quota_exhausted"]);
    expect(await db.message.count({ where: { grantId: g.grantId } })).toBe(2);
    await client.close();
  });

  it("never exceeds the quota under concurrent calls", async () => {
    const g = await makeGrant(db, { maxMessages: 3 });
    const token = await tokenFor(g);
    const clients = await Promise.all(Array.from({ length: 4 }, () => connect(token)));
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => call(clients[i % 4], "send_message", { to: "+15550100123", body: `m${i}` })));
    expect(results.filter((r) => !r.isError)).toHaveLength(3);
    expect(results.filter((r) => r.structuredContent?.error === "quota_exhausted")).toHaveLength(7);
    expect(await db.message.count({ where: { grantId: g.grantId } })).toBe(3);
    await Promise.all(clients.map((c) => c.close()));
  });

  it("denies the next call within one second of a revocation", async () => {
    const g = await makeGrant(db, { maxMessages: 5 });
    const client = await connect(await tokenFor(g));
    expect((await call(client, "describe_grant")).isError).toBeFalsy();
    await db.grant.update({ where: { id: g.grantId }, data: { status: "revoked", revokedAt: new Date() } });
    const started = Date.now();
    let result: ToolResult;
    do result = await call(client, "send_message", { to: "+15550100123", body: "after revoke" });
    while (!result.isError && Date.now() - started < 2000);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(result.structuredContent).toMatchObject({ error: "grant_revoked", limit: "grant" });
    await client.close();
  });

  it("audits a tool call with invalid arguments as denied, and answers it with a tool error", async () => {
    const g = await makeGrant(db);
    const client = await connect(await tokenFor(g));
    const result = await call(client, "send_message", { to: 15550100123, body: "x" });
    expect(result.isError).toBe(true);
    const denied = await db.auditEvent.findFirstOrThrow({ where: { grantId: g.grantId, type: "tool.denied" } });
    expect(denied.reason).toBe("invalid_request");
    expect(await db.message.count({ where: { grantId: g.grantId } })).toBe(0);
    await client.close();
  });

  it("answers 403 insufficient_scope with a scope challenge for a tool outside the token's scope", async () => {
    const g = await makeGrant(db, { scope: "messages:send" });
    const token = await tokenFor(g, { scope: "messages:send" });
    const res = await post({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "list_messages", arguments: {} } }, { Authorization: `Bearer ${token}` });
    expect(res.status).toBe(403);
    const challenge = res.headers.get("www-authenticate")!;
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="messages:send messages:read"');
    const audit = await db.auditEvent.findFirstOrThrow({ where: { grantId: g.grantId, type: "tool.denied" } });
    expect(audit.reason).toBe("insufficient_scope");
  });

  it("describes the grant in words and as data, and lists the grant's messages", async () => {
    const g = await makeGrant(db, { maxMessages: 3 });
    const client = await connect(await tokenFor(g));
    await call(client, "send_message", { to: "+15550100123", body: "hello" });
    const described = await call(client, "describe_grant");
    expect(described.structuredContent).toMatchObject({ grant_id: g.grantId, uses_left: 2, status: "active" });
    expect(String((described.structuredContent!.words as string[])[0])).toContain("Send up to 3 messages to +1 555-010-0123");
    const listed = await call(client, "list_messages");
    expect(listed.structuredContent).toMatchObject({ count: 1 });
    await client.close();
  });

  it("fails closed with 503 and sends nothing when the audit store is unreachable", async () => {
    const g = await makeGrant(db, { maxMessages: 3 });
    const token = await tokenFor(g);
    const head = await db.auditHead.findUniqueOrThrow({ where: { id: 1 } });
    await db.auditHead.delete({ where: { id: 1 } });
    let res: Response;
    try {
      res = await post({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "send_message", arguments: { to: "+15550100123", body: "x" } } }, { Authorization: `Bearer ${token}` });
    } finally {
      await db.auditHead.create({ data: head });
    }
    expect(res.status).toBe(503);
    expect(await db.message.count({ where: { grantId: g.grantId } })).toBe(0);
  });

  it("answers malformed JSON, wrong content types and huge bodies with 4xx and stays up", async () => {
    const g = await makeGrant(db);
    const auth = { Authorization: `Bearer ${await tokenFor(g)}` };
    expect((await post("{not json", auth)).status).toBe(400);
    expect((await post(JSON.stringify(initialize), { ...auth, "Content-Type": "text/plain" })).status).toBe(415);
    expect((await post(JSON.stringify({ ...initialize, pad: "x".repeat(300_000) }), auth)).status).toBe(413);
    const invalidRpc = await post({ hello: "world" }, auth);
    expect(invalidRpc.status).toBeGreaterThanOrEqual(400);
    expect(invalidRpc.status).toBeLessThan(500);
    expect((await fetch(`${new URL(stack.mcpUrl).origin}/health/live`)).status).toBe(200);
    expect((await fetch(`${new URL(stack.mcpUrl).origin}/health/ready`)).status).toBe(200);
  });

  it("never prints an agent's token, in full or in part", () => {
    expect(minted.length).toBeGreaterThan(5);
    const output = printed.join("\n");
    for (const token of minted) {
      expect(output).not.toContain(token);
      expect(output).not.toContain(token.split(".")[2]);
    }
  });
});
