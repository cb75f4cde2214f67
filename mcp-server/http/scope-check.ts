// A tools/call the token's scope does not cover gets HTTP 403 insufficient_scope with a
// WWW-Authenticate challenge (RFC 6750 section 3.1; the MCP authorization spec's step-up flow):
// a client can re-authorize and retry. Following the 2026-07-28 rule on accumulating scopes,
// the challenge names every scope the request needs (each denied call of a batch) together
// with the scopes the token already has, so re-authorizing for exactly that set loses nothing.
// Each denied call is audited.
//
// Tool arguments the SDK will reject (wrong types, missing fields) are audited here too, as
// denied with reason invalid_request, so every tool call has its entry.
import type { CallState, McpContext } from "../context";
import { auditToolCall } from "../tools/audit";
import { TOOL_DEFINITIONS } from "../tools/register";

export interface ToolCall {
  name: string;
  args: unknown;
}

export function toolCalls(body: unknown): ToolCall[] {
  const messages = Array.isArray(body) ? body : [body];
  const calls: ToolCall[] = [];
  for (const m of messages) {
    if (m && typeof m === "object" && (m as { method?: unknown }).method === "tools/call") {
      const params = (m as { params?: { name?: unknown; arguments?: unknown } }).params;
      if (typeof params?.name === "string") calls.push({ name: params.name, args: params.arguments ?? {} });
    }
  }
  return calls;
}

export async function auditInvalidArguments(ctx: McpContext, call: CallState, calls: ToolCall[]): Promise<void> {
  for (const { name, args } of calls) {
    const tool = TOOL_DEFINITIONS.get(name);
    if (!tool || tool.input.zod.safeParse(args).success) continue;
    await auditToolCall(ctx, call, { tool: name, allowed: false, reason: "invalid_request", details: { limit: "request" } });
  }
}

/** The 403 for the calls the token's scopes do not allow, each audited; null when all are allowed. */
export async function checkToolScope(ctx: McpContext, call: CallState, toolNames: string[], headers: Record<string, string>): Promise<Response | null> {
  const denied: { tool: string; needed: string }[] = [];
  for (const name of toolNames) {
    const accepted = TOOL_DEFINITIONS.get(name)?.scopes;
    if (!accepted || accepted.some((s) => call.auth.scopes.includes(s))) continue;
    // The last accepted scope is the one a step-up challenge asks for (tools/register.ts).
    const needed = accepted.at(-1);
    if (needed === undefined) throw new Error(`tool ${name} is defined without a scope`);
    denied.push({ tool: name, needed });
  }
  if (!denied.length) return null;
  for (const { tool, needed } of denied) {
    await auditToolCall(ctx, call, { tool, allowed: false, reason: "insufficient_scope", details: { limit: "scope", required_scope: needed } });
  }
  const needed = [...new Set(denied.map((d) => d.needed))];
  const tools = [...new Set(denied.map((d) => d.tool))];
  const description = `The ${tools.join(", ")} tool${tools.length > 1 ? "s need" : " needs"} the ${needed.join(" and ")} scope${needed.length > 1 ? "s" : ""}.`;
  // insufficientScope unions `needed` with the token's scopes (the accumulating-scopes rule).
  return ctx.resourceServer.insufficientScope(needed, call.auth.scopes, description, headers);
}
