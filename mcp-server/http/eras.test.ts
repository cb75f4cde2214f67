// Both protocol eras at one endpoint (docs/mcp-clients.md): the v2 SDK client speaks 2026-07-28,
// the v1 SDK client 2025-11-25, against the same real MCP server over HTTP; and the 2026-07-28
// transport rules: Mcp-Method/Mcp-Name checked against the body, authorization decided from
// Mcp-Name before the body is read, caching hints on the lists, the request id on errors, and a
// step-up challenge naming every scope the request needs together with the token's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from "@modelcontextprotocol/client";
import { Client as V1Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as V1Transport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UrlElicitationRequiredError } from "@modelcontextprotocol/sdk/types.js";
import type { Db } from "@/lib/db";
import { makeGrant, type GrantFixture } from "@/lib/messaging/test-fixtures";
import { testDatabases } from "@/tests/harness/databases";
import { TOOLS_LIST_TTL_MS } from "../tools/register";
import { startTestStack, type TestStack } from "../test-stack";

const MODERN = "2026-07-28";
const envelope = { "io.modelcontextprotocol/protocolVersion": MODERN, "io.modelcontextprotocol/clientCapabilities": {}, "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" } };

describe.each(testDatabases())("MCP 2026-07-28 and 2025-11-25 at one endpoint on $name", (target) => {
  let db: Db;
  let stack: TestStack;
  beforeAll(async () => {
    db = await target.open();
    stack = await startTestStack(db);
  });
  afterAll(async () => {
    await stack?.close();
    await target.close();
  });

  const tokenFor = (g: GrantFixture, claims: Record<string, unknown> = {}) =>
    stack.issuer.mint({ sub: g.userId, client_id: g.clientId, grant_id: g.grantId, authorization_details: g.details, ...claims });

  /** A raw 2026-07-28 request: the standard headers mirror the body unless overridden. */
  const modern = (token: string, method: string, params: Record<string, unknown> = {}, headers: Record<string, string> = {}, id: number | string = 7) =>
    fetch(stack.mcpUrl, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json, text/event-stream",
        Authorization: `Bearer ${token}`,
        "MCP-Protocol-Version": MODERN,
        "Mcp-Method": method,
        ...(typeof params.name === "string" ? { "Mcp-Name": params.name } : {}),
        ...headers,
      },
      body: JSON.stringify({ jsonrpc: "2.0", id, method, params: { ...params, _meta: envelope } }),
    });

  it("serves the v2 SDK client on 2026-07-28 and the v1 SDK client on 2025-11-25, with the same tools, checks and audit entries (checklist 179)", async () => {
    const g = await makeGrant(db, { recipients: ["+15550100123"], maxMessages: 1 });
    const token = await tokenFor(g);
    const headers = { Authorization: `Bearer ${token}` };

    const v2 = new V2Client({ name: "v2-agent", version: "1.0.0" }, { versionNegotiation: { mode: "auto" } });
    await v2.connect(new V2Transport(new URL(stack.mcpUrl), { requestInit: { headers } }));
    expect(v2.getNegotiatedProtocolVersion()).toBe(MODERN);
    const v1 = new V1Client({ name: "v1-agent", version: "1.0.0" });
    await v1.connect(new V1Transport(new URL(stack.mcpUrl), { requestInit: { headers } }));
    expect(v1.getServerVersion()?.name).toBe("agent-grants");

    const names = (r: { tools: { name: string }[] }) => r.tools.map((t) => t.name).sort();
    const [v2Tools, v1Tools] = [await v2.listTools(), await v1.listTools()];
    expect(names(v2Tools)).toEqual(["describe_grant", "list_messages", "send_message"]);
    expect(v1Tools.tools).toEqual(v2Tools.tools);

    const sent = (await v2.callTool({ name: "send_message", arguments: { to: "+15550100123", body: "from v2" } })) as { isError?: boolean; structuredContent?: Record<string, unknown> };
    expect(sent.isError).toBeFalsy();
    expect(sent.structuredContent).toMatchObject({ to: "+15550100123" });
    // The quota is spent: the v1 client is denied by the same check, and in-call consent answers
    // in its era's words: the URL elicitation required error (-32042) with the consent link.
    const denied = await v1.callTool({ name: "send_message", arguments: { to: "+15550100123", body: "from v1" } }).catch((err: unknown) => err);
    expect(denied).toBeInstanceOf(UrlElicitationRequiredError);
    expect((denied as UrlElicitationRequiredError).elicitations[0]).toMatchObject({ mode: "url", url: expect.stringContaining("/consent/extension/") });
    // 2026-07-28: the input-required result carrying one URL-mode elicitation. A client without
    // the URL elicitation capability is told which capability the answer needs (-32021).
    const noUrl = await v2.callTool({ name: "send_message", arguments: { to: "+15550100199", body: "x" } }).catch((err: unknown) => err);
    expect(noUrl).toMatchObject({ code: -32021, data: { requiredCapabilities: { elicitation: { url: {} } } } });
    // A client with it is handed the consent link by its SDK on every round; nobody approves
    // here, so the SDK gives up after its rounds, and every round met the same request.
    const asked: { mode?: string; url?: string }[] = [];
    const v2Url = new V2Client({ name: "v2-agent-url", version: "1.0.0" }, { versionNegotiation: { mode: "auto" }, capabilities: { elicitation: { url: {} } } });
    v2Url.setRequestHandler("elicitation/create", async (req) => {
      asked.push(req.params as { mode?: string; url?: string });
      return { action: "accept" };
    });
    await v2Url.connect(new V2Transport(new URL(stack.mcpUrl), { requestInit: { headers } }));
    const outside = await v2Url.callTool({ name: "send_message", arguments: { to: "+15550100199", body: "x" } }).catch((err: unknown) => err);
    expect(outside).toMatchObject({ code: "INPUT_REQUIRED_ROUNDS_EXCEEDED" });
    expect(asked.length).toBeGreaterThan(0);
    expect(new Set(asked.map((a) => a.url)).size).toBe(1);
    expect(asked[0]).toMatchObject({ mode: "url", url: expect.stringContaining("/consent/extension/") });
    await v2Url.close();

    const events = await db.auditEvent.findMany({ where: { grantId: g.grantId, type: { in: ["tool.allowed", "tool.denied", "grant.extension_requested"] } }, orderBy: { seq: "asc" } });
    const seen = events.map((e) => `${e.type}:${e.reason ?? ""}`);
    expect(seen.slice(0, 4)).toEqual(["tool.allowed:", "grant.extension_requested:quota_exhausted", "tool.denied:quota_exhausted", "grant.extension_requested:recipient_not_allowed"]);
    // Each later round is denied and audited again, against the one request already waiting.
    expect(new Set(seen.slice(4))).toEqual(new Set(["tool.denied:recipient_not_allowed"]));
    await v2.close();
    await v1.close();
  });

  it("refuses an Mcp-Method or Mcp-Name that does not match the body with 400 and -32020, carrying the request id, and runs nothing (checklist 180)", async () => {
    const g = await makeGrant(db);
    const token = await tokenFor(g);
    const cases: Record<string, string>[] = [{ "Mcp-Method": "prompts/list" }, { "Mcp-Method": "TOOLS/CALL" }, { "Mcp-Name": "list_messages" }];
    for (const headers of cases) {
      const res = await modern(token, "tools/call", { name: "describe_grant", arguments: {} }, headers, `id-${Object.values(headers)[0]}`);
      expect(res.status, JSON.stringify(headers)).toBe(400);
      const body = (await res.json()) as { id: unknown; error: { code: number } };
      expect(body).toMatchObject({ id: `id-${Object.values(headers)[0]}`, error: { code: -32020 } });
    }
    // Header names are case-insensitive and their values read without surrounding whitespace.
    const ok = await modern(token, "tools/call", { name: "describe_grant", arguments: {} }, { "Mcp-Name": "  describe_grant  " });
    expect(ok.status).toBe(200);
    expect(await db.auditEvent.count({ where: { grantId: g.grantId, type: "tool.allowed" } })).toBe(1);
  });

  it("answers tools/list with caching hints (ttlMs, cacheScope private) on 2026-07-28, and every response stays no-store (checklist 181)", async () => {
    const token = await tokenFor(await makeGrant(db));
    const res = await modern(token, "tools/list");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const { result } = (await res.json()) as { result: { ttlMs: number; cacheScope: string; tools: unknown[] } };
    expect(result).toMatchObject({ ttlMs: TOOLS_LIST_TTL_MS, cacheScope: "private" });
    expect(result.tools).toHaveLength(3);
    for (const method of ["prompts/list", "resources/list", "resources/templates/list"]) {
      const list = (await (await modern(token, method)).json()) as { result: Record<string, unknown> };
      expect(list.result, method).toMatchObject({ ttlMs: TOOLS_LIST_TTL_MS, cacheScope: "private" });
    }
  });

  it("carries the request id on errors: an unknown method, and an unsupported protocol version (checklist 180)", async () => {
    const token = await tokenFor(await makeGrant(db));
    const unknown = await modern(token, "no/such-method", {}, {}, 41);
    expect(((await unknown.json()) as { id: unknown }).id).toBe(41);
    const version = await fetch(stack.mcpUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", Authorization: `Bearer ${token}`, "MCP-Protocol-Version": "2099-01-01", "Mcp-Method": "tools/list" },
      body: JSON.stringify({ jsonrpc: "2.0", id: "v", method: "tools/list", params: { _meta: { ...envelope, "io.modelcontextprotocol/protocolVersion": "2099-01-01" } } }),
    });
    expect(version.status).toBe(400);
    expect(await version.json()).toMatchObject({ id: "v", error: { data: { requested: "2099-01-01" } } });
  });

  it("refuses a tools/call from its Mcp-Name before reading the body, audited, with a challenge naming the needed scope and the token's (checklist 182)", async () => {
    const g = await makeGrant(db, { scope: "messages:read" });
    const token = await tokenFor(g, { scope: "messages:read" });
    // The body is not JSON at all: only the headers can have decided.
    const res = await fetch(stack.mcpUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}`, "MCP-Protocol-Version": MODERN, "Mcp-Method": "tools/call", "Mcp-Name": "send_message" },
      body: "{ not json",
    });
    expect(res.status).toBe(403);
    expect(res.headers.get("www-authenticate")).toContain('scope="messages:read messages:send"');
    const audit = await db.auditEvent.findFirstOrThrow({ where: { grantId: g.grantId, type: "tool.denied" } });
    expect(audit.reason).toBe("insufficient_scope");
    // A header naming an allowed tool decides nothing: the body is still read and checked.
    const lying = await modern(token, "tools/call", { name: "send_message", arguments: { to: "+15550100123", body: "x" } }, { "Mcp-Name": "list_messages" });
    expect(lying.status).toBe(403);
  });

  it("names every scope a batch needs, unioned with the token's, in one challenge (checklist 182)", async () => {
    const g = await makeGrant(db, { scope: "openid" });
    const token = await tokenFor(g, { scope: "openid" });
    const res = await fetch(stack.mcpUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream", Authorization: `Bearer ${token}` },
      body: JSON.stringify([
        { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "send_message", arguments: { to: "+15550100123", body: "x" } } },
        { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "list_messages", arguments: {} } },
      ]),
    });
    expect(res.status).toBe(403);
    const scope = /scope="([^"]*)"/.exec(res.headers.get("www-authenticate") ?? "")?.[1]?.split(" ").sort();
    expect(scope).toEqual(["messages:read", "messages:send", "openid"]);
    expect(await db.auditEvent.count({ where: { grantId: g.grantId, type: "tool.denied", reason: "insufficient_scope" } })).toBe(2);
  });
});
