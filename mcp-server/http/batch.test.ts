// JSON-RPC batches at the MCP endpoint: every call in a batch is authorized and audited on its
// own, so the batch size is capped (MCP_MAX_BATCH) before any of them runs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@/lib/db";
import { makeGrant } from "@/lib/messaging/test-fixtures";
import { testDatabases } from "@/tests/harness/databases";
import { startTestStack, type TestStack } from "../test-stack";

describe.each(testDatabases())("JSON-RPC batches at the MCP server on $name", (target) => {
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

  const listCall = (id: number) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "list_messages", arguments: {} } });
  const post = (body: unknown, token: string) =>
    fetch(stack.mcpUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream", Authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });

  it("refuses a batch over the cap whole, with 400 and JSON-RPC -32600, before any call is authorized or audited (checklist 143)", async () => {
    const g = await makeGrant(db);
    const token = await stack.issuer.mint({ sub: g.userId, client_id: g.clientId, grant_id: g.grantId, authorization_details: g.details });
    const max = stack.mcp.context.config.mcpMaxBatch;
    expect(max).toBe(10);

    const over = await post(Array.from({ length: max + 1 }, (_, i) => listCall(i + 1)), token);
    expect(over.status).toBe(400);
    const body = (await over.json()) as { error: { code: number; message: string } };
    expect(body.error.code).toBe(-32600);
    expect(body.error.message).toMatch(/at most 10/);
    expect(await db.auditEvent.count({ where: { grantId: g.grantId } })).toBe(0);

    // A 256 KB batch of small calls: the same single refusal, nothing audited.
    const huge = Array.from({ length: 2500 }, (_, i) => listCall(i + 1));
    expect(JSON.stringify(huge).length).toBeLessThan(256 * 1024);
    expect((await post(huge, token)).status).toBe(400);
    expect(await db.auditEvent.count({ where: { grantId: g.grantId } })).toBe(0);

    // At the cap the batch runs: one answer per call.
    const atCap = await post(Array.from({ length: max }, (_, i) => listCall(i + 1)), token);
    expect(atCap.status).toBe(200);
    expect(((await atCap.json()) as unknown[]).length).toBe(max);
  });
});
