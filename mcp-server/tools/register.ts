// The MCP server for one request (stateless mode): the three tools, bound to the caller.
// Each handler turns a MessagingDenial into an audited tool error; an audit failure
// propagates so the HTTP layer can fail closed.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { z } from "zod";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { MessagingDenial, SCOPE_READ, SCOPE_SEND } from "@/lib/messaging/policy";
import type { CallState, McpContext } from "../context";
import { auditToolCall, AuditUnavailableError } from "./audit";
import { describeGrantTool } from "./describe-grant";
import { ExtensionRequiredError } from "./extension-required";
import { listMessagesTool } from "./list-messages";
import { denialResult, failureResult } from "./results";
import { sendMessageInput, sendMessageTool } from "./send-message";

/** Each tool's input shape (zod), as registered with the SDK. */
export const TOOL_INPUTS: Record<string, z.ZodRawShape> = {
  send_message: sendMessageInput,
  list_messages: {},
  describe_grant: {},
};

/** The scopes that allow each tool (any one of them). */
export const TOOL_SCOPES: Record<string, string[]> = {
  send_message: [SCOPE_SEND],
  list_messages: [SCOPE_READ],
  describe_grant: [SCOPE_SEND, SCOPE_READ],
};

async function guarded(ctx: McpContext, call: CallState, tool: string, run: () => Promise<CallToolResult>, facts: Record<string, unknown> = {}): Promise<CallToolResult> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof AuditUnavailableError) throw err;
    // In-call consent: audited where it was raised; the client gets the link (protocol error).
    if (err instanceof ExtensionRequiredError) throw err.toUrlElicitationError();
    if (err instanceof MessagingDenial) {
      await auditToolCall(ctx, call, { tool, allowed: false, reason: err.code, details: { limit: err.limit, ...facts } });
      return denialResult(err);
    }
    console.error(`mcp-server: ${tool} failed: ${err instanceof Error ? err.message : "unknown error"}`);
    if (call.auditFailed) throw new AuditUnavailableError("the audit store is unavailable");
    await auditToolCall(ctx, call, { tool, allowed: false, outcome: "failure", reason: "internal_error", details: facts });
    return failureResult("internal_error", "The tool failed unexpectedly.", true);
  }
}

export function buildMcpServer(ctx: McpContext, call: CallState): McpServer {
  const server = new McpServer({ name: "agent-grants", version: "0.1.0" }, { capabilities: { tools: {} } });
  server.registerTool(
    "send_message",
    {
      title: "Send a text message",
      description: "Send an SMS to a recipient your grant allows. Denied with a machine-readable error naming the limit (recipients, max_messages, grant).",
      inputSchema: sendMessageInput,
    },
    (args) => guarded(ctx, call, "send_message", () => sendMessageTool(ctx, call, args), { recipient: typeof args.to === "string" ? args.to.slice(0, 40) : undefined }),
  );
  server.registerTool(
    "list_messages",
    { title: "List sent messages", description: "The messages sent under this grant, newest first, with their delivery status.", inputSchema: {} },
    () => guarded(ctx, call, "list_messages", () => listMessagesTool(ctx, call)),
  );
  server.registerTool(
    "describe_grant",
    { title: "Describe my grant", description: "What this grant allows: recipients, messages left and expiry, in words and as data.", inputSchema: {} },
    () => guarded(ctx, call, "describe_grant", () => describeGrantTool(ctx, call)),
  );
  return server;
}
