// The MCP server's HTTP surface, as one Web-standard handler.
//
// Protocol eras: one endpoint serves MCP 2026-07-28 (every request carries its own protocol
// version and capabilities in `_meta`; answered by the SDK's createMcpHandler) and 2025-11-25
// (initialize handshake, then stateless Streamable HTTP). The SDK's own predicate decides the
// era; both are served from the same tool definitions (tools/register.ts). docs/mcp-clients.md.
//
// Transport choice: STATELESS. Every POST carries its own token and is served by a fresh MCP
// server instance; no session state lives in the process, so instances can be load-balanced
// and restarted freely, and every request is authorized on its own. GET (the optional
// server-to-client SSE stream) and DELETE (session end) are therefore 405. Responses are
// single JSON bodies, never streams: an audit write that fails anywhere in a request turns the
// whole answer into a 503 (fail closed), which needs the answer complete before it is sent.
//
// Order of checks on /mcp: Origin, method, token (401), scope for a tools/call named in the
// Mcp-Method/Mcp-Name headers (403, before the body is read), content type and size, JSON,
// scope for every tools/call in the body (403 insufficient_scope), then the SDK (which checks
// the standard headers against the body: 400 and -32020 on a mismatch).
import { createMcpHandler as createSdkHandler, isLegacyRequest, WebStandardStreamableHTTPServerTransport, type AuthInfo } from "@modelcontextprotocol/server";
import { trimTrailingSlashes } from "@/lib/http/text";
import type { CallState, McpContext } from "../context";
import { AuditUnavailableError } from "../tools/audit";
import { mcpServerFactory } from "../tools/register";
import { BodyError, MAX_BODY_BYTES, readJsonRpcBody } from "./body";
import { healthLive, healthReady } from "./health";
import { toolNamedInHeaders } from "./mcp-headers";
import { metadataPaths, metadataResponse } from "./metadata";
import { checkOrigin, corsHeaders, forbiddenOrigin, preflightResponse } from "./origin";
import { auditInvalidArguments, checkToolScope, toolCalls } from "./scope-check";
import { errorMessage } from "@/lib/error-message";

const NO_STORE = { "Cache-Control": "no-store" };

type Serve = (req: Request, body: unknown, authInfo: AuthInfo) => Promise<Response>;

export function createMcpHandler(ctx: McpContext): (req: Request) => Promise<Response> {
  const mcpPath = trimTrailingSlashes(new URL(ctx.config.mcpResourceUrl).pathname) || "/";
  const wellKnown = new Set(metadataPaths(ctx.config));
  const serve = createEraRouter(ctx);
  const route = async (req: Request): Promise<Response> => {
    const path = new URL(req.url).pathname;
    if (path === "/health/live") return healthLive();
    if (path === "/health/ready") return healthReady(ctx.readiness);
    if (wellKnown.has(path)) return metadataResponse(ctx.config, req.method);
    if (path === mcpPath) return handleMcp(ctx, serve, req);
    return Response.json({ error: "not_found" }, { status: 404 });
  };
  // Tool results carry message bodies and grant details, errors and challenges describe a
  // user's grant: no response of this server may be kept by a browser or a shared cache
  // (RFC 9111 section 5.2.2.5). Set here, once, so no path can forget it. The 2026-07-28
  // caching hints (ttlMs, cacheScope "private") are for the MCP client's own cache.
  return async (req) => withHeaders(await route(req), NO_STORE);
}

/** Built once per process: the SDK handler for 2026-07-28 and the stateless 2025-11-25 leg. */
function createEraRouter(ctx: McpContext): Serve {
  const factory = mcpServerFactory(ctx);
  const onerror = (err: Error) => console.error(`mcp-server: ${errorMessage(err)}`);
  const modern = createSdkHandler(factory, { legacy: "reject", responseMode: "json", maxRequestBodySize: MAX_BODY_BYTES, onerror });
  const legacy: Serve = async (req, body, authInfo) => {
    const server = factory({ era: "legacy", authInfo, requestInfo: req });
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    try {
      await server.connect(transport);
      return await transport.handleRequest(req, { parsedBody: body, authInfo });
    } finally {
      await server.close().catch(() => undefined);
    }
  };
  return async (req, body, authInfo) =>
    (await isLegacyRequest(req, body, { maxRequestBodySize: MAX_BODY_BYTES })) ? legacy(req, body, authInfo) : modern.fetch(req, { parsedBody: body, authInfo });
}

async function handleMcp(ctx: McpContext, serve: Serve, req: Request): Promise<Response> {
  const origin = checkOrigin(req, ctx.config);
  if (!origin.ok) return forbiddenOrigin();
  const cors = corsHeaders(origin.origin);
  if (req.method === "OPTIONS") return preflightResponse(origin.origin);
  if (req.method !== "POST") {
    return Response.json(
      { jsonrpc: "2.0", error: { code: -32000, message: "Method not allowed: this server is stateless; use POST." }, id: null },
      { status: 405, headers: { ...cors, Allow: "POST, OPTIONS" } },
    );
  }
  const rs = ctx.resourceServer;
  let call: CallState;
  try {
    call = { auth: await rs.authenticate(req, ctx.config.mcpResourceUrl), auditFailed: false };
  } catch (err) {
    return rs.errorResponse(err, cors);
  }
  let body: unknown;
  try {
    const named = toolNamedInHeaders(req);
    if (named) {
      const denied = await checkToolScope(ctx, call, [named], cors);
      if (denied) {
        // Refused before the body was read: close the connection rather than read it.
        await req.body?.cancel().catch(() => undefined);
        return withHeaders(denied, { Connection: "close" });
      }
    }
    try {
      body = await readJsonRpcBody(req, { maxBatch: ctx.config.mcpMaxBatch });
    } catch (err) {
      if (err instanceof BodyError) return err.response(cors);
      throw err;
    }
    const calls = toolCalls(body);
    const scopeDenied = await checkToolScope(
      ctx,
      call,
      calls.map((c) => c.name),
      cors,
    );
    if (scopeDenied) return scopeDenied;
    await auditInvalidArguments(ctx, call, calls);
    const authInfo: AuthInfo = {
      token: "",
      clientId: call.auth.claims.client_id,
      scopes: call.auth.scopes,
      expiresAt: call.auth.claims.exp,
      extra: { call },
    };
    const response = await serve(req, body, authInfo);
    // The response is complete here (JSON, never a stream); a failed audit write anywhere in
    // it fails the whole request closed, whatever the tool had produced.
    if (call.auditFailed) {
      await response.body?.cancel();
      return auditUnavailable(cors, requestId(body));
    }
    return withHeaders(response, cors);
  } catch (err) {
    if (err instanceof AuditUnavailableError || call.auditFailed) return auditUnavailable(cors, requestId(body));
    throw err;
  }
}

/** The JSON-RPC id an error answers: the request's own id for a single request, else null. */
function requestId(body: unknown): string | number | null {
  if (body && typeof body === "object" && !Array.isArray(body)) {
    const id = (body as { id?: unknown }).id;
    if (typeof id === "string" || typeof id === "number") return id;
  }
  return null;
}

function auditUnavailable(headers: Record<string, string>, id: string | number | null): Response {
  return Response.json(
    { jsonrpc: "2.0", error: { code: -32603, message: "The audit store is unavailable; nothing was done." }, id },
    { status: 503, headers: { ...headers, "Retry-After": "5" } },
  );
}

function withHeaders(res: Response, headers: Record<string, string>): Response {
  if (!Object.keys(headers).length) return res;
  const merged = new Headers(res.headers);
  for (const [k, v] of Object.entries(headers)) merged.set(k, v);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers: merged });
}
