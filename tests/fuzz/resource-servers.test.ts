// Fuzzing the two protected resources: the messaging API (its framework-free handlers, called
// as the web app calls them) and the MCP server (over real HTTP, as agents reach it). Most
// requests carry a valid access token, so the fuzzed bodies reach the body reader, the JSON-RPC
// layer and the tools. Every answer must be a 4xx (or a success), never a 5xx, a dropped
// connection or a leak of internals; afterwards both still serve. FUZZ_RUNS=n runs n times longer.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@/lib/db";
import { createMessagingApiContext, type MessagingApiContext } from "@/lib/messaging/api/context";
import { handleGetMessage } from "@/lib/messaging/api/get-message";
import { handlePostMessage } from "@/lib/messaging/api/post-message";
import { sandboxProvider } from "@/lib/messaging/providers/sandbox";
import { makeGrant, testDeps } from "@/lib/messaging/test-fixtures";
import { JwksCache } from "@/lib/resource-server/jwks-cache";
import { testDatabases } from "@/tests/harness/databases";
import { startTestStack, type TestStack } from "@/mcp-server/test-stack";
import { authSpec, buildRequest, expectSafeAnswer, requestSpec, runs, sendOverHttp, valueFrom, type AuthSpec, type RequestSpec } from "./hostile";

const MESSAGING_URL = "http://localhost:3000/api/messages";
const RECIPIENT = "+15550100123";

describe.each(testDatabases())("fuzzing the messaging API and the MCP server on $name", (target) => {
  let db: Db;
  let stack: TestStack;
  let api: MessagingApiContext;
  let sent = 0;
  const good: string[] = [RECIPIENT, "hello", "send_message", "list_messages", "describe_grant"];
  const tokens: string[] = [];

  beforeAll(async () => {
    db = await target.open();
    stack = await startTestStack(db);
    const deps = testDeps(db, { ISSUER_URL: stack.issuer.issuer, MESSAGING_RESOURCE_URL: MESSAGING_URL });
    api = createMessagingApiContext(deps, { getKey: new JwksCache({ issuer: stack.issuer.issuer }).getKey, provider: sandboxProvider() });
    const g = await makeGrant(db, { maxMessages: 1000 });
    const claims = { sub: g.userId, client_id: g.clientId, grant_id: g.grantId, authorization_details: g.details };
    tokens.push(await stack.issuer.mint({ ...claims, aud: MESSAGING_URL }), await stack.issuer.mint(claims));
    good.push(g.grantId, g.clientId);
  });
  afterAll(async () => {
    console.info(`fuzz (${target.name}): ${sent} requests to the messaging API and the MCP server`);
    await stack?.close();
    await target.close();
  });

  /** A valid token half of the time, so that most requests get past authentication. */
  const withToken = (token: () => string) =>
    fc.oneof(authSpec([], []), fc.constant(null)).map((a): AuthSpec => a ?? { kind: "raw", text: `Bearer ${token()}` });

  const withAuth = (spec: fc.Arbitrary<RequestSpec>, token: () => string) =>
    fc.tuple(spec, withToken(token), fc.boolean()).map(([s, auth, keep]) => ({ ...s, auth: keep ? s.auth : auth }));

  it("answers every malformed or hostile request to the messaging API with a 4xx, without internals (checklist 145)", async () => {
    const message = fc.dictionary(fc.constantFrom("to", "body", "id", "__proto__"), fc.oneof(valueFrom(good), fc.jsonValue()), { maxKeys: 3 });
    const post = withAuth(requestSpec({ methods: ["POST"], names: ["to", "body"], good, json: fc.oneof(message, fc.jsonValue()) }), () => tokens[0]!);
    await fc.assert(
      fc.asyncProperty(post, async (s) => {
        sent++;
        await expectSafeAnswer(await handlePostMessage(await buildRequest(MESSAGING_URL, s), api), "POST /api/messages");
      }),
      { numRuns: runs(300) },
    );
    const get = withAuth(requestSpec({ methods: ["GET"], names: ["id"], good }), () => tokens[0]!);
    await fc.assert(
      fc.asyncProperty(get, valueFrom(good), async (s, id) => {
        sent++;
        // The id as Next.js passes it: already percent-decoded from the path.
        await expectSafeAnswer(await handleGetMessage(await buildRequest(`${MESSAGING_URL}/x`, s), api, id), "GET /api/messages/{id}");
      }),
      { numRuns: runs(150) },
    );
  }, 600_000);

  it("answers every malformed or hostile request to the MCP server with a 4xx, over HTTP, and keeps serving (checklist 145)", async () => {
    const jsonish = fc.oneof(valueFrom(good), fc.jsonValue({ maxDepth: 2 }));
    const rpc = fc.record(
      {
        jsonrpc: fc.oneof({ weight: 4, arbitrary: fc.constant("2.0") }, { weight: 1, arbitrary: jsonish }),
        id: fc.oneof(fc.integer(), valueFrom([]), fc.constant(null)),
        method: fc.oneof(fc.constantFrom("initialize", "tools/list", "tools/call", "ping", "notifications/initialized", "resources/list"), valueFrom([])),
        params: fc.oneof(
          fc.record({ name: fc.oneof(fc.constantFrom("send_message", "list_messages", "describe_grant"), valueFrom([])), arguments: fc.dictionary(fc.constantFrom("to", "body", "limit", "id"), jsonish, { maxKeys: 3 }) }, { requiredKeys: [] }),
          fc.record({ protocolVersion: fc.constantFrom("2025-06-18", "2025-03-26", "1999-01-01"), capabilities: fc.constant({}), clientInfo: fc.constant({ name: "fuzz", version: "1" }) }),
          jsonish,
        ),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(rpc, fc.array(rpc, { maxLength: 14 }), fc.jsonValue());
    const spec = withAuth(requestSpec({ methods: ["POST"], names: ["jsonrpc", "method"], good, json: body }), () => tokens[1]!);
    await fc.assert(
      fc.asyncProperty(spec, fc.boolean(), async (s, accept) => {
        const req = await buildRequest(stack.mcpUrl, s);
        if (accept) req.headers.set("Accept", "application/json, text/event-stream");
        sent++;
        // A dropped connection rejects here and fails the property.
        await expectSafeAnswer(await sendOverHttp(req), `MCP ${s.method}`);
      }),
      { numRuns: runs(400) },
    );
    expect((await fetch(`${new URL(stack.mcpUrl).origin}/health/live`)).status).toBe(200);
    const ping = await fetch(stack.mcpUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream", Authorization: `Bearer ${tokens[1]}` },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
    });
    expect(ping.status).toBe(200);
  }, 600_000);
});
