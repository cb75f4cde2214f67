// The MCP server's HTTP surface, as one Web-standard handler.
//
// Transport choice: STATELESS Streamable HTTP. Every POST carries its own token and is served
// by a fresh MCP server instance; no session state lives in the process, so instances can be
// load-balanced and restarted freely, and every request is authorized on its own. GET (the
// optional server-to-client SSE stream) and DELETE (session end) are therefore 405.
//
// Order of checks on /mcp: Origin, method, token (401), content type and size, JSON, scope
// for tools/call (403 insufficient_scope), then the MCP SDK's transport.
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { trimTrailingSlashes } from "@/lib/http/text";
import type { CallState, McpContext } from "../context";
import { AuditUnavailableError } from "../tools/audit";
import { buildMcpServer } from "../tools/register";
import { BodyError, readJsonRpcBody } from "./body";
import { healthLive, healthReady } from "./health";
import { metadataPaths, metadataResponse } from "./metadata";
import { checkOrigin, corsHeaders, forbiddenOrigin, preflightResponse } from "./origin";
import { auditInvalidArguments, checkToolScope } from "./scope-check";

const NO_STORE = { "Cache-Control": "no-store" };

export function createMcpHandler(ctx: McpContext): (req: Request) => Promise<Response> {
  const mcpPath = trimTrailingSlashes(new URL(ctx.deps.config.mcpResourceUrl).pathname) || "/";
  const wellKnown = new Set(metadataPaths(ctx.deps.config));
  const route = async (req: Request): Promise<Response> => {
    const path = new URL(req.url).pathname;
    if (path === "/health/live") return healthLive();
    if (path === "/health/ready") return healthReady(ctx.deps.db);
    if (wellKnown.has(path)) return metadataResponse(ctx.deps.config, req.method);
    if (path === mcpPath) return handleMcp(ctx, req);
    return Response.json({ error: "not_found" }, { status: 404 });
  };
  // Tool results carry message bodies and grant details, errors and challenges describe a
  // user's grant: no response of this server may be kept by a browser or a shared cache
  // (RFC 9111 section 5.2.2.5). Set here, once, so no path can forget it.
  return async (req) => withHeaders(await route(req), NO_STORE);
}

async function handleMcp(ctx: McpContext, req: Request): Promise<Response> {
  const origin = checkOrigin(req, ctx.deps.config);
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
    call = { auth: await rs.authenticate(req, ctx.deps.config.mcpResourceUrl), auditFailed: false };
  } catch (err) {
    return rs.errorResponse(err, cors);
  }
  let body: unknown;
  try {
    body = await readJsonRpcBody(req, { maxBatch: ctx.deps.config.mcpMaxBatch });
  } catch (err) {
    if (err instanceof BodyError) return err.response(cors);
    throw err;
  }
  try {
    const scopeDenied = await checkToolScope(ctx, call, body, cors);
    if (scopeDenied) return scopeDenied;
    await auditInvalidArguments(ctx, call, body);
    return withHeaders(await runTransport(ctx, call, req, body), cors);
  } catch (err) {
    if (err instanceof AuditUnavailableError || call.auditFailed) return auditUnavailable(cors);
    throw err;
  }
}

async function runTransport(ctx: McpContext, call: CallState, req: Request, body: unknown): Promise<Response> {
  const server = buildMcpServer(ctx, call);
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  try {
    await server.connect(transport);
    const response = await transport.handleRequest(req, {
      parsedBody: body,
      authInfo: { token: "", clientId: call.auth.claims.client_id, scopes: call.auth.scopes, expiresAt: call.auth.claims.exp },
    });
    // In JSON mode the response is complete here; a failed audit write anywhere in it fails
    // the whole request closed, whatever the tool had produced.
    if (call.auditFailed) {
      await response.body?.cancel();
      return auditUnavailable({});
    }
    return response;
  } finally {
    await server.close().catch(() => undefined);
  }
}

function auditUnavailable(headers: Record<string, string>): Response {
  return Response.json(
    { jsonrpc: "2.0", error: { code: -32603, message: "The audit store is unavailable; nothing was done." }, id: null },
    { status: 503, headers: { ...headers, "Retry-After": "5" } },
  );
}

function withHeaders(res: Response, headers: Record<string, string>): Response {
  if (!Object.keys(headers).length) return res;
  const merged = new Headers(res.headers);
  for (const [k, v] of Object.entries(headers)) merged.set(k, v);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers: merged });
}
