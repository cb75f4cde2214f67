import { createHash, createHmac, randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UrlElicitationRequiredError } from "@modelcontextprotocol/sdk/types.js";
import type { Db } from "@/lib/db";
import { grantEntryLimits } from "@/lib/grants/entries";
import { makeGrant, testConfig, type GrantFixture } from "@/lib/messaging/test-fixtures";
import { accessTokenHash, jwkThumbprint } from "@/lib/oauth/dpop";
import { forgedAccessTokens } from "@/lib/resource-server/test-issuer";
import { testDatabases } from "@/tests/harness/databases";
import { MCP_RESOURCE, startTestStack, type TestStack } from "./test-stack";

type ToolResult = { isError?: boolean; structuredContent?: Record<string, unknown>; content?: unknown };

async function dpopKey() {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await jwkThumbprint(jwk) };
}

/** A DPoP proof for POST to the MCP resource (its configured public URL, not the test port). */
async function dpopProof(key: { privateKey: CryptoKey; jwk: JWK }, token: string, claims: Record<string, unknown> = {}) {
  return new SignJWT({ jti: randomUUID(), htm: "POST", htu: MCP_RESOURCE, iat: Math.floor(Date.now() / 1000), ath: accessTokenHash(token), ...claims })
    .setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk: key.jwk })
    .sign(key.privateKey);
}

/** A request with a chunked body and no Content-Length, so only the streaming size limit can stop it. */
function postChunked(url: string, headers: Record<string, string>, chunks: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = httpRequest({ host: u.hostname, port: u.port, path: u.pathname, method: "POST", headers: { ...headers, "Transfer-Encoding": "chunked" } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

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
  /**
   * A send past the grant: in-call consent answers with a URL elicitation (-32042) naming the
   * extension's consent page (docs/mcp-clients.md, "In-call consent"); the denial is audited.
   */
  const elicitationOf = async (client: Client, args: Record<string, unknown>) => {
    const err = await call(client, "send_message", args).then(
      (result) => result,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UrlElicitationRequiredError);
    const elicitation = (err as UrlElicitationRequiredError).elicitations[0]!;
    expect(elicitation).toMatchObject({ mode: "url", url: expect.stringContaining(`/consent/extension/${elicitation.elicitationId}`) });
    return elicitation;
  };

  const post = (body: unknown, headers: Record<string, string> = {}, url = stack.mcpUrl) =>
    fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  const initialize = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } } };

  it("answers 401 with resource_metadata and scope when no token is sent (checklist 53)", async () => {
    const res = await post(initialize);
    expect(res.status).toBe(401);
    const challenge = res.headers.get("www-authenticate")!;
    expect(challenge).toContain('resource_metadata="http://localhost:3001/.well-known/oauth-protected-resource/mcp"');
    expect(challenge).toContain('scope="messages:send messages:read"');
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toMatch(/, DPoP algs="ES256[^"]*"/);
    expect(challenge).not.toContain("error=");
    // The metadata URL in the challenge is served, and names this resource.
    const metadataPath = new URL(/resource_metadata="([^"]+)"/.exec(challenge)![1]!).pathname;
    const doc = await (await fetch(`${new URL(stack.mcpUrl).origin}${metadataPath}`)).json();
    expect(doc.resource).toBe(MCP_RESOURCE);
    // An empty Authorization header is no token either.
    expect((await post(initialize, { Authorization: "" })).status).toBe(401);
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

  it("rejects a token in the query string, a token for another audience and an expired one with 401 (checklist 62, 54, 55)", async () => {
    const g = await makeGrant(db);
    const token = await tokenFor(g);
    // checklist 62: in the query, alone or next to a good Authorization header
    expect((await post(initialize, {}, `${stack.mcpUrl}?access_token=${token}`)).status).toBe(401);
    const both = await post(initialize, { Authorization: `Bearer ${token}` }, `${stack.mcpUrl}?access_token=${token}`);
    expect(both.status).toBe(401);
    expect(both.headers.get("www-authenticate")).toContain('error="invalid_request"');
    // checklist 54: the messaging API's audience, and a made-up one
    for (const aud of [stack.messagingUrl, "http://localhost:3001/mcp/", "http://localhost:3001"]) {
      const res = await post(initialize, { Authorization: `Bearer ${await tokenFor(g, { aud })}` });
      expect(res.status, aud).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
      expect((await res.json()).error_description).toMatch(/not meant for this resource/);
    }
    // checklist 55
    const now = Math.floor(Date.now() / 1000);
    const expired = await tokenFor(g, { iat: now - 700, nbf: now - 700, exp: now - 60 });
    expect((await post(initialize, { Authorization: `Bearer ${expired}` })).status).toBe(401);
    // The same token without the faults is accepted: the refusals above are about them.
    expect((await post(initialize, { Authorization: `Bearer ${token}` })).status).toBe(200);
  });

  it("answers expired, not-yet-valid, alg none, HS256 and non-access-token JWTs with 401 invalid_token (checklist 55, 56, 57)", async () => {
    const g = await makeGrant(db);
    const forged = await forgedAccessTokens(stack.issuer, { sub: g.userId, client_id: g.clientId, grant_id: g.grantId, authorization_details: g.details });
    expect(new Set(forged.map((f) => f.checklist))).toEqual(new Set([55, 56, 57]));
    for (const f of forged) {
      minted.push(f.token);
      const res = await post(initialize, { Authorization: `Bearer ${f.token}` });
      expect(res.status, f.what).toBe(401);
      const challenge = res.headers.get("www-authenticate")!;
      expect(challenge, f.what).toContain('error="invalid_token"');
      expect(challenge, f.what).toContain('resource_metadata="http://localhost:3001/.well-known/oauth-protected-resource/mcp"');
      expect(challenge, f.what).toMatch(/, DPoP algs="/);
    }
    // checklist 55: nbf and iat less than 30 s ahead are within the allowed clock skew.
    const now = Math.floor(Date.now() / 1000);
    expect((await post(initialize, { Authorization: `Bearer ${await tokenFor(g, { iat: now + 10, nbf: now + 10 })}` })).status).toBe(200);
  });

  it("refetches the issuer's keys once for an unknown kid, then answers 401 (checklist 58)", async () => {
    const g = await makeGrant(db);
    expect((await post(initialize, { Authorization: `Bearer ${await tokenFor(g)}` })).status).toBe(200); // key set loaded
    const before = stack.issuer.jwksFetches;
    const unknown = await stack.issuer.mint({ sub: g.userId, client_id: g.clientId, grant_id: g.grantId, authorization_details: g.details }, { kid: "unknown-kid-1" });
    minted.push(unknown);
    const res = await post(initialize, { Authorization: `Bearer ${unknown}` });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
    expect(stack.issuer.jwksFetches).toBe(before + 1);
    // Within the cooldown, more unknown kids cost no fetch at all.
    for (const kid of ["unknown-kid-1", "unknown-kid-2"]) {
      const again = await stack.issuer.mint({ sub: g.userId, client_id: g.clientId, grant_id: g.grantId, authorization_details: g.details }, { kid });
      minted.push(again);
      expect((await post(initialize, { Authorization: `Bearer ${again}` })).status).toBe(401);
    }
    expect(stack.issuer.jwksFetches).toBe(before + 1);
  });

  it("accepts a DPoP-bound token only with the DPoP scheme and a proof by its key for this token (checklist 59, 60)", async () => {
    const g = await makeGrant(db);
    const key = await dpopKey();
    const other = await dpopKey();
    const token = await tokenFor(g, { cnf: { jkt: key.jkt } });
    const dpopAuth = async (proof: string) => post(initialize, { Authorization: `DPoP ${token}`, DPoP: proof });
    expect((await dpopAuth(await dpopProof(key, token))).status).toBe(200);
    // checklist 59: sent as Bearer, with or without a proof
    const asBearer: Record<string, string>[] = [{ Authorization: `Bearer ${token}` }, { Authorization: `Bearer ${token}`, DPoP: await dpopProof(key, token) }];
    for (const headers of asBearer) {
      const res = await post(initialize, headers);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
      expect((await res.json()).error_description).toMatch(/DPoP-bound/);
    }
    // checklist 60: a proof by another key than cnf.jkt, a wrong ath, no ath
    for (const [proof, why] of [
      [await dpopProof(other, token), /another key/],
      [await dpopProof(key, token, { ath: accessTokenHash(`${token}x`) }), /ath/],
      [await dpopProof(key, token, { ath: undefined }), /ath/],
    ] as const) {
      const res = await dpopAuth(proof);
      expect(res.status).toBe(401);
      const challenge = res.headers.get("www-authenticate")!;
      expect(challenge.slice(challenge.indexOf(", DPoP "))).toContain('error="invalid_dpop_proof"');
      expect((await res.json()).error_description).toMatch(why);
    }
  });

  it("sends through the messaging API with an exchanged token, never the agent's (checklist 64)", async () => {
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
    // checklist 64: upstream sees a token for its own audience, never the agent's.
    expect(sent[0]).not.toContain(token);
    expect(sent[0]).not.toContain(token.split(".")[2]);
    const upstream = decodeJwt(sent[0]!.replace(/^Bearer /, ""));
    expect(upstream.aud).toBe(stack.messagingUrl);
    expect(upstream.act).toMatchObject({ sub: "mcp-server", act: { sub: g.clientId } });
    const message = await db.message.findUniqueOrThrow({ where: { id: String(result.structuredContent!.message_id) } });
    expect(message).toMatchObject({ grantId: g.grantId, userId: g.userId, status: "delivered" });
    const types = (await db.auditEvent.findMany({ where: { grantId: g.grantId }, orderBy: { seq: "asc" } })).map((e) => `${e.type}:${e.actorType}`);
    expect(types).toEqual(["tool.allowed:agent", "message.queued:service", "message.attempted:service", "message.delivered:service"]);
    await client.close();
  });

  it("denies another recipient and a message past the quota, naming the limit, and audits both (checklist 61)", async () => {
    const g = await makeGrant(db, { maxMessages: 2 });
    const client = await connect(await tokenFor(g));
    const other = await elicitationOf(client, { to: "+15550100199", body: "hi" });
    expect(other.message).toContain("Send up to 1 message to +1 555-010-0199");
    expect((await call(client, "send_message", { to: "+15550100123", body: "1" })).isError).toBeFalsy();
    expect((await call(client, "send_message", { to: "+15550100123", body: "2" })).isError).toBeFalsy();
    const third = await elicitationOf(client, { to: "+15550100123", body: "3" });
    expect(third.message).toContain("Send up to 1 message to +1 555-010-0123");
    // checklist 61: each denial has its audit entry, naming the agent and the limit.
    const denied = await db.auditEvent.findMany({ where: { grantId: g.grantId, type: "tool.denied" }, orderBy: { seq: "asc" } });
    expect(denied.map((e) => e.reason)).toEqual(["recipient_not_allowed", "quota_exhausted"]);
    expect(denied.map((e) => [e.outcome, e.actorType, e.actorId])).toEqual([
      ["denied", "agent", g.clientId],
      ["denied", "agent", g.clientId],
    ]);
    expect(denied.map((e) => JSON.parse(String(e.details)).limit)).toEqual(["recipients", "max_messages"]);
    expect(await db.message.count({ where: { grantId: g.grantId } })).toBe(2);
    await client.close();
  });

  it("never exceeds the quota under concurrent calls", async () => {
    const g = await makeGrant(db, { maxMessages: 3 });
    const token = await tokenFor(g);
    const clients = await Promise.all(Array.from({ length: 4 }, () => connect(token)));
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => call(clients[i % 4]!, "send_message", { to: "+15550100123", body: `m${i}` }).catch((e: unknown) => e)));
    expect(results.filter((r) => !(r instanceof Error) && !(r as ToolResult).isError)).toHaveLength(3);
    // The seven past the quota all get the link to one and the same extension request.
    const asked = results.filter((r): r is UrlElicitationRequiredError => r instanceof UrlElicitationRequiredError);
    expect(asked).toHaveLength(7);
    expect(new Set(asked.map((e) => e.elicitations[0]?.elicitationId)).size).toBe(1);
    expect(await db.grantExtensionRequest.count({ where: { grantId: g.grantId } })).toBe(1);
    expect(await db.message.count({ where: { grantId: g.grantId } })).toBe(3);
    await Promise.all(clients.map((c) => c.close()));
  });

  it("checklist 100: spends each authorization-details entry's own max_messages over HTTP, as the consent screen worded it", async () => {
    const g = await makeGrant(db, {
      details: [
        { type: "messaging", actions: ["send"], recipients: ["+15550100123"], max_messages: 1 },
        { type: "messaging", actions: ["send"], recipients: ["+15550100999"], max_messages: 5 },
      ],
    });
    const client = await connect(await tokenFor(g));
    expect((await call(client, "send_message", { to: "+15550100123", body: "1" })).isError).toBeFalsy();
    await elicitationOf(client, { to: "+15550100123", body: "2" });
    for (let i = 0; i < 5; i++) expect((await call(client, "send_message", { to: "+15550100999", body: `b${i}` })).isError, `send ${i}`).toBeFalsy();
    await elicitationOf(client, { to: "+15550100999", body: "b5" });
    const described = await call(client, "describe_grant");
    expect(described.structuredContent!.message_limits).toEqual([
      { entry: 0, recipients: ["+15550100123"], max_messages: 1, used: 1, left: 0 },
      { entry: 1, recipients: ["+15550100999"], max_messages: 5, used: 5, left: 0 },
    ]);
    expect(await db.message.count({ where: { grantId: g.grantId, recipient: "+15550100123" } })).toBe(1);
    // Each denial has its audit entry.
    expect(await db.auditEvent.count({ where: { grantId: g.grantId, type: "tool.denied", reason: "quota_exhausted" } })).toBe(2);
    await client.close();
  });

  it("denies the next call within one second of a revocation (checklist 63)", async () => {
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

  it("answers 403 insufficient_scope with a scope challenge for a tool outside the token's scope, and audits it (checklist 61)", async () => {
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

  it("checklist 104: describes the grant in words and as data, with each entry's messages used and left, and lists the grant's messages", async () => {
    const g = await makeGrant(db, { maxMessages: 3 });
    const client = await connect(await tokenFor(g));
    await call(client, "send_message", { to: "+15550100123", body: "hello" });
    const described = await call(client, "describe_grant");
    expect(described.structuredContent).toMatchObject({ grant_id: g.grantId, message_limits: [{ entry: 0, max_messages: 3, used: 1, left: 2 }], status: "active" });
    expect(String((described.structuredContent!.words as string[])[0])).toContain("Send up to 3 messages to +1 555-010-0123");
    const listed = await call(client, "list_messages");
    expect(listed.structuredContent).toMatchObject({ count: 1 });
    await client.close();
  });

  it("fails closed with 503 and sends nothing when the audit store is unreachable (checklist 65)", async () => {
    const g = await makeGrant(db, { maxMessages: 3 });
    const token = await tokenFor(g);
    const sendTo = (to: string) => post({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "send_message", arguments: { to, body: "x" } } }, { Authorization: `Bearer ${token}` });
    const upstreamBefore = stack.messagingAuth.length;
    const exchangesBefore = stack.exchanges;
    const head = await db.auditHead.findUniqueOrThrow({ where: { id: 1 } });
    await db.auditHead.delete({ where: { id: 1 } });
    let res: Response;
    let denial: Response;
    try {
      res = await sendTo("+15550100123");
      // A denial that cannot be audited fails closed too, rather than answering unrecorded.
      denial = await sendTo("+15550100199");
    } finally {
      await db.auditHead.create({ data: head });
    }
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    expect(denial.status).toBe(503);
    expect(await db.message.count({ where: { grantId: g.grantId } })).toBe(0);
    // Nothing went upstream: no token exchange, no call to the messaging API, no quota taken.
    expect(stack.exchanges).toBe(exchangesBefore);
    expect(stack.messagingAuth.length).toBe(upstreamBefore);
    expect(await grantEntryLimits(db, g.grantId)).toMatchObject([{ used: 0, left: 3 }]);
    // With the store back, the same call goes through.
    const after = await sendTo("+15550100123");
    expect(after.status).toBe(200);
    expect(await db.message.count({ where: { grantId: g.grantId } })).toBe(1);
  });

  it("answers malformed JSON, wrong content types and huge bodies with 4xx and stays up (checklist 66)", async () => {
    const g = await makeGrant(db);
    const auth = { Authorization: `Bearer ${await tokenFor(g)}` };
    const is4xx = (status: number, what: string) => {
      expect(status, what).toBeGreaterThanOrEqual(400);
      expect(status, what).toBeLessThan(500);
    };
    // Malformed JSON and JSON that is no JSON-RPC message
    expect((await post("{not json", auth)).status).toBe(400);
    expect((await post("", auth)).status).toBe(400);
    for (const body of [{ hello: "world" }, null, 123, "text", [], { jsonrpc: "1.0", id: 1, method: "initialize" }, { jsonrpc: "2.0", id: 1, method: "tools/call", params: null }]) {
      const res = await post(JSON.stringify(body), auth);
      is4xx(res.status, JSON.stringify(body));
      expect((await res.json()).error.code, JSON.stringify(body)).toBeLessThan(0);
    }
    // Wrong content types, a missing one, an Accept the transport cannot serve
    expect((await post(JSON.stringify(initialize), { ...auth, "Content-Type": "text/plain" })).status).toBe(415);
    expect((await post(JSON.stringify(initialize), { ...auth, "Content-Type": "application/x-www-form-urlencoded" })).status).toBe(415);
    expect((await post(JSON.stringify(initialize), { ...auth, "Content-Type": "" })).status).toBe(415);
    is4xx((await post(initialize, { ...auth, Accept: "text/html" })).status, "Accept: text/html");
    // Huge bodies: with a Content-Length, and streamed without one (the running limit stops it)
    expect((await post(JSON.stringify({ ...initialize, pad: "x".repeat(300_000) }), auth)).status).toBe(413);
    const chunks = ['{"jsonrpc":"2.0","id":1,"method":"initialize","pad":"', ...Array.from({ length: 30 }, () => "x".repeat(10_000)), '"}'];
    expect(await postChunked(stack.mcpUrl, { ...auth, "Content-Type": "application/json", Accept: "application/json, text/event-stream" }, chunks)).toBe(413);
    // The process is still up and still serves a real request.
    expect((await fetch(`${new URL(stack.mcpUrl).origin}/health/live`)).status).toBe(200);
    expect((await fetch(`${new URL(stack.mcpUrl).origin}/health/ready`)).status).toBe(200);
    expect((await post(initialize, auth)).status).toBe(200);
  });

  it("checklist 160: no audit entry of a sent message holds the plain SHA-256 of its body, only its keyed hash", async () => {
    const g = await makeGrant(db, { maxMessages: 2 });
    const client = await connect(await tokenFor(g));
    const body = "4711"; // a one-time code: four digits are guessed from a plain hash at once
    const result = await call(client, "send_message", { to: "+15550100123", body });
    expect(result.isError).toBeFalsy();
    await client.close();
    const rows = await db.auditEvent.findMany({ where: { grantId: g.grantId }, orderBy: { seq: "asc" } });
    expect(rows.map((r) => r.type)).toEqual(["tool.allowed", "message.queued", "message.attempted", "message.delivered"]);
    const plain = createHash("sha256").update(body).digest("hex");
    const keyed = createHmac("sha256", testConfig().auditHmacKey).update(body).digest("hex");
    for (const row of rows) expect(JSON.stringify(row), row.type).not.toContain(plain);
    // The tool call's entry and the outbox's entry both name the body by its keyed hash.
    for (const row of rows.slice(0, 2)) expect(JSON.parse(row.details), row.type).toMatchObject({ body_hmac_sha256: keyed, body_length: 4 });
  });

  it("checklist 162: every response of the MCP server and the messaging API carries Cache-Control: no-store", async () => {
    const g = await makeGrant(db, { maxMessages: 3 });
    const token = await tokenFor(g);
    const auth = { Authorization: `Bearer ${token}` };
    const base = new URL(stack.mcpUrl).origin;
    const toolCall = (name: string, args: Record<string, unknown>, headers: Record<string, string> = auth) =>
      post({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name, arguments: args } }, headers);
    const sent = await toolCall("send_message", { to: "+15550100123", body: "the code is 4711" });
    const listed = await toolCall("list_messages", {});
    const listedBody = await listed.clone().text();
    expect(listedBody).toContain("the code is 4711"); // a message body travels in this response
    const readOnly = await tokenFor(g, { scope: "messages:send" });
    const mcpResponses: [string, Response][] = [
      ["initialize", await post(initialize, auth)],
      ["tools/call send_message", sent],
      ["tools/call list_messages", listed],
      ["tools/call with invalid arguments (tool error)", await toolCall("send_message", { to: 15550100123, body: "x" })],
      ["tools/call to a recipient outside the grant (denied)", await toolCall("send_message", { to: "+15550100999", body: "x" })],
      ["401 without a token", await post(initialize)],
      ["401 with a bad token", await post(initialize, { Authorization: "Bearer not-a-jwt" })],
      ["403 insufficient_scope", await toolCall("list_messages", {}, { Authorization: `Bearer ${readOnly}` })],
      ["403 bad Origin", await post(initialize, { ...auth, Origin: "http://evil.example" })],
      ["204 preflight", await fetch(stack.mcpUrl, { method: "OPTIONS", headers: { Origin: "http://localhost:6274", "Access-Control-Request-Method": "POST" } })],
      ["405 GET", await fetch(stack.mcpUrl)],
      ["400 malformed JSON", await post("{not json", auth)],
      ["415 wrong content type", await post(JSON.stringify(initialize), { ...auth, "Content-Type": "text/plain" })],
      ["413 too large", await post(JSON.stringify({ ...initialize, pad: "x".repeat(300_000) }), auth)],
      ["404 unknown path", await fetch(`${base}/nowhere`)],
      ["protected resource metadata", await fetch(`${base}/.well-known/oauth-protected-resource/mcp`)],
      ["health", await fetch(`${base}/health/live`)],
    ];
    for (const [what, res] of mcpResponses) expect(res.headers.get("cache-control"), `MCP: ${what} (${res.status})`).toBe("no-store");
    expect(mcpResponses.map(([, r]) => r.status)).toEqual([200, 200, 200, 200, 200, 401, 401, 403, 403, 204, 405, 400, 415, 413, 404, 200, 200]);

    // The messaging API, served over HTTP by the same handlers as the app's routes.
    const api = (init: RequestInit & { headers?: Record<string, string> }, url = stack.messagingUrl) => fetch(url, init);
    const apiToken = await stack.issuer.mint({ sub: g.userId, grant_id: g.grantId, authorization_details: g.details, aud: stack.messagingUrl });
    const apiAuth = { Authorization: `Bearer ${apiToken}`, "Content-Type": "application/json" };
    const created = await api({ method: "POST", headers: apiAuth, body: JSON.stringify({ to: "+15550100123", body: "yes" }) });
    const id = String((await created.clone().json()).id);
    const apiResponses: [string, Response][] = [
      ["201 sent", created],
      ["200 read", await api({ headers: apiAuth }, `${stack.messagingUrl}/${id}`)],
      ["404 unknown message", await api({ headers: apiAuth }, `${stack.messagingUrl}/nope`)],
      ["401 without a token", await api({ method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" })],
      ["400 malformed JSON", await api({ method: "POST", headers: apiAuth, body: "{not json" })],
      ["403 recipient outside the grant", await api({ method: "POST", headers: apiAuth, body: JSON.stringify({ to: "+15550100999", body: "x" }) })],
    ];
    for (const [what, res] of apiResponses) expect(res.headers.get("cache-control"), `messaging API: ${what} (${res.status})`).toBe("no-store");
    expect(apiResponses.map(([, r]) => r.status)).toEqual([201, 200, 404, 401, 400, 403]);
  });

  it("never prints an agent's token, in full or in part, and never sends one to the messaging API (checklist 64)", () => {
    expect(minted.length).toBeGreaterThan(5);
    const output = printed.join("\n");
    const upstream = stack.messagingAuth.join("\n");
    expect(stack.messagingAuth.length).toBeGreaterThan(0);
    for (const token of minted) {
      const signature = token.split(".")[2];
      expect(output).not.toContain(token);
      if (!signature) continue; // alg none: nothing secret to look for
      expect(output).not.toContain(signature);
      expect(upstream).not.toContain(signature);
    }
  });
});
