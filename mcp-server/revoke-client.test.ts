// `npm run admin -- revoke-client`: the tokens a client already holds stop at the resource
// servers on their next call, within the same bound as a grant revocation (checklist 63),
// because grant status reports every grant of a revoked client as revoked (checklist 134).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Db } from "@/lib/db";
import { runAdmin } from "@/lib/admin/commands";
import { makeGrant, type GrantFixture } from "@/lib/messaging/test-fixtures";
import { testDatabases } from "@/tests/harness/databases";
import { testDeps } from "@/tests/harness/test-deps";
import { startTestStack, type TestStack } from "./test-stack";

type ToolResult = { isError?: boolean; structuredContent?: Record<string, unknown> };

describe.each(testDatabases())("revoke-client at the resource servers on $name", (target) => {
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

  const mcpToken = (g: GrantFixture) => stack.issuer.mint({ sub: g.userId, client_id: g.clientId, grant_id: g.grantId, authorization_details: g.details });
  const apiToken = (g: GrantFixture) =>
    stack.issuer.mint({ sub: g.userId, client_id: "mcp-server", grant_id: g.grantId, authorization_details: g.details, aud: stack.messagingUrl, act: { sub: "mcp-server", act: { sub: g.clientId } } });

  async function connect(token: string): Promise<Client> {
    const client = new Client({ name: "revoked-agent", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(stack.mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    return client;
  }
  const send = (client: Client, body: string) => client.callTool({ name: "send_message", arguments: { to: "+15550100123", body } }) as Promise<ToolResult>;
  const postApi = (token: string, body: string) =>
    fetch(stack.messagingUrl, { method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` }, body: JSON.stringify({ to: "+15550100123", body }) });

  /** Calls until denied; returns how long after `started` the denial came, and the last result. */
  async function untilDenied(client: Client, started: number): Promise<{ ms: number; result: ToolResult }> {
    let result: ToolResult;
    do result = await send(client, "after revoke");
    while (!result.isError && Date.now() - started < 2000);
    return { ms: Date.now() - started, result };
  }

  async function scenario(revoke: (g: GrantFixture) => Promise<void>) {
    const g = await makeGrant(db, { maxMessages: 20 });
    const other = await makeGrant(db, { maxMessages: 20 });
    const agent = await connect(await mcpToken(g));
    const bystander = await connect(await mcpToken(other));
    expect((await send(agent, "before")).isError).toBeFalsy();
    expect((await postApi(await apiToken(g), "before")).status).toBe(201);

    await revoke(g);
    // Measured from the revocation's commit, as for a grant revocation (checklist 63).
    const started = Date.now();
    const { ms, result } = await untilDenied(agent, started);
    expect(ms).toBeLessThan(1000);
    expect(result.structuredContent).toMatchObject({ error: "grant_revoked", limit: "grant" });
    const api = await postApi(await apiToken(g), "after");
    expect({ status: api.status, body: await api.json() }).toMatchObject({ status: 401, body: { error: "grant_revoked" } });
    // Another client's grant is untouched.
    expect((await send(bystander, "still fine")).isError).toBeFalsy();
    await agent.close();
    await bystander.close();
    return g;
  }

  it("checklist 134: after `admin revoke-client`, an existing token of that client is denied at the MCP server within a second and at the messaging API at once", async () => {
    const deps = testDeps(db);
    const g = await scenario(async (grant) => {
      const out = await runAdmin(["revoke-client", grant.clientId], () => deps);
      expect(out).toMatchObject({ code: 0, stdout: expect.stringContaining(`Revoked client ${grant.clientId}; 1 grant`) });
    });
    expect(await db.grant.findUniqueOrThrow({ where: { id: g.grantId } })).toMatchObject({ status: "revoked", revokedReason: "client_revoked" });
    expect(await db.auditEvent.count({ where: { type: "client.revoked", clientId: g.clientId } })).toBe(1);
  });

  it("checklist 134: the client's revoked state alone makes its grants not live, before any grant row is rewritten", async () => {
    const g = await scenario(async (grant) => {
      await db.client.update({ where: { id: grant.clientId }, data: { revokedAt: new Date() } });
    });
    expect(await db.grant.findUniqueOrThrow({ where: { id: g.grantId } })).toMatchObject({ status: "active" });
  });
});
