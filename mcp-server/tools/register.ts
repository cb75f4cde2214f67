// The MCP server's tools, defined once per process: names, descriptions, compiled input schemas
// and the scopes that allow each. A server instance is still made per request (the SDK's
// stateless serving connects one instance to one exchange), but it only binds these
// definitions to the caller; nothing is compiled or converted per request.
//
// Each handler turns a MessagingDenial into an audited tool error; an audit failure
// propagates so the HTTP layer can fail closed.
import { McpServer, type InputRequiredResult, type McpRequestContext } from "@modelcontextprotocol/server";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { MessagingDenial, SCOPE_READ, SCOPE_SEND } from "@/lib/messaging/policy";
import type { CallState, McpContext } from "../context";
import { auditToolCall, AuditUnavailableError } from "./audit";
import { compileSchema, type CompiledSchema } from "./compiled-schema";
import { describeGrantTool } from "./describe-grant";
import { ExtensionRequiredError } from "./extension-required";
import { listMessagesTool } from "./list-messages";
import { denialResult, failureResult, urlConsentAnswer } from "./results";
import { sendMessageInput, sendMessageTool } from "./send-message";
import { errorMessage } from "@/lib/error-message";

/** How long a client may reuse tools/list (2026-07-28 caching hints): the list changes only with a deploy. */
export const TOOLS_LIST_TTL_MS = 5 * 60_000;

type Era = McpRequestContext["era"];
type Run = (ctx: McpContext, call: CallState, args: Record<string, unknown>, era: Era) => Promise<CallToolResult>;

interface ToolDefinition {
  name: string;
  title: string;
  description: string;
  input: CompiledSchema<Record<string, never>> | CompiledSchema<typeof sendMessageInput>;
  /** Any one of these scopes allows the tool. The last is the one a step-up challenge asks for. */
  scopes: string[];
  run: Run;
  /** Facts about the arguments kept in the audit entry of a failure. */
  facts?: (args: Record<string, unknown>) => Record<string, unknown>;
}

const noArguments = compileSchema({});

const TOOLS: ToolDefinition[] = [
  {
    name: "send_message",
    title: "Send a text message",
    description: "Send an SMS to a recipient your grant allows. Denied with a machine-readable error naming the limit (recipients, max_messages, grant).",
    input: compileSchema(sendMessageInput),
    scopes: [SCOPE_SEND],
    run: (ctx, call, args) => sendMessageTool(ctx, call, args as { to: string; body: string; idempotency_key?: string }),
    facts: (args) => ({ recipient: typeof args.to === "string" ? args.to.slice(0, 40) : undefined }),
  },
  {
    name: "list_messages",
    title: "List sent messages",
    description: "The messages sent under this grant, newest first, with their delivery status.",
    input: noArguments,
    scopes: [SCOPE_READ],
    run: (ctx, call) => listMessagesTool(ctx, call),
  },
  {
    name: "describe_grant",
    title: "Describe my grant",
    description: "What this grant allows: recipients, messages left and expiry, in words and as data.",
    input: noArguments,
    scopes: [SCOPE_SEND, SCOPE_READ],
    run: (ctx, call) => describeGrantTool(ctx, call),
  },
];

export const TOOL_DEFINITIONS: ReadonlyMap<string, ToolDefinition> = new Map(TOOLS.map((t) => [t.name, t]));

async function guarded(ctx: McpContext, call: CallState, tool: ToolDefinition, args: Record<string, unknown>, era: Era): Promise<CallToolResult | InputRequiredResult> {
  const facts = tool.facts?.(args) ?? {};
  try {
    return await tool.run(ctx, call, args, era);
  } catch (err) {
    if (err instanceof AuditUnavailableError) throw err;
    // In-call consent: audited where it was raised; the client gets the link (protocol error).
    if (err instanceof ExtensionRequiredError) return urlConsentAnswer(era, err.toUrlConsent());
    if (err instanceof MessagingDenial) {
      await auditToolCall(ctx, call, { tool: tool.name, allowed: false, reason: err.code, details: { limit: err.limit, ...facts } });
      return denialResult(err);
    }
    console.error(`mcp-server: ${tool.name} failed: ${errorMessage(err)}`);
    if (call.auditFailed) throw new AuditUnavailableError("the audit store is unavailable");
    await auditToolCall(ctx, call, { tool: tool.name, allowed: false, outcome: "failure", reason: "internal_error", details: facts });
    return failureResult("internal_error", "The tool failed unexpectedly.", true);
  }
}

/** The caller's state rides in authInfo.extra from the HTTP layer (app.ts) to the handlers. */
export function callStateOf(request: McpRequestContext): CallState {
  const call = request.authInfo?.extra?.call as CallState | undefined;
  // Unreachable through app.ts, which authenticates before the SDK runs; refuse rather than guess.
  if (!call) throw new Error("MCP request reached the tools without an authenticated caller");
  return call;
}

/** The per-request server factory given to the SDK's createMcpHandler. */
export function mcpServerFactory(ctx: McpContext): (request: McpRequestContext) => McpServer {
  return (request) => {
    const call = callStateOf(request);
    const server = new McpServer(
      { name: "agent-grants", version: "0.1.0" },
      {
        // Prompts and resources: none today, but declared so that a client listing them gets an
        // empty, cacheable answer instead of an error (2026-07-28 caching hints cover all lists).
        capabilities: { tools: { listChanged: false }, prompts: { listChanged: false }, resources: { listChanged: false } },
        // The lists are the same for every caller but describe what this deployment offers the
        // caller's grant: "private" keeps them out of shared caches.
        cacheHints: {
          "tools/list": { ttlMs: TOOLS_LIST_TTL_MS, cacheScope: "private" },
          "prompts/list": { ttlMs: TOOLS_LIST_TTL_MS, cacheScope: "private" },
          "resources/list": { ttlMs: TOOLS_LIST_TTL_MS, cacheScope: "private" },
          "resources/templates/list": { ttlMs: TOOLS_LIST_TTL_MS, cacheScope: "private" },
        },
      },
    );
    for (const tool of TOOLS) {
      server.registerTool(tool.name, { title: tool.title, description: tool.description, inputSchema: tool.input.standard }, (args: Record<string, unknown>) =>
        guarded(ctx, call, tool, args, request.era),
      );
    }
    return server;
  };
}
