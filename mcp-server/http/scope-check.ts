// A tools/call the token's scope does not cover gets HTTP 403 insufficient_scope with a
// WWW-Authenticate challenge naming the scope that would help (RFC 6750 section 3.1; the MCP
// authorization spec's step-up flow): a client can re-authorize for it. The denial is audited.
//
// Tool arguments the SDK will reject (wrong types, missing fields) are audited here too, as
// denied with reason invalid_request, so every tool call has its entry.
import { z } from "zod";
import type { CallState, McpContext } from "../context";
import { auditToolCall } from "../tools/audit";
import { TOOL_INPUTS, TOOL_SCOPES } from "../tools/register";

function toolCalls(body: unknown): { name: string; args: unknown }[] {
  const messages = Array.isArray(body) ? body : [body];
  const calls: { name: string; args: unknown }[] = [];
  for (const m of messages) {
    if (m && typeof m === "object" && (m as { method?: unknown }).method === "tools/call") {
      const params = (m as { params?: { name?: unknown; arguments?: unknown } }).params;
      if (typeof params?.name === "string") calls.push({ name: params.name, args: params.arguments ?? {} });
    }
  }
  return calls;
}

// Built once per tool: z.object() compiles its shape, which costs more than the parse itself.
const compiled = new WeakMap<object, z.ZodType>();
function inputSchema(shape: z.ZodRawShape): z.ZodType {
  let schema = compiled.get(shape);
  if (!schema) compiled.set(shape, (schema = z.object(shape)));
  return schema;
}

export async function auditInvalidArguments(ctx: McpContext, call: CallState, body: unknown): Promise<void> {
  for (const { name, args } of toolCalls(body)) {
    const shape = TOOL_INPUTS[name];
    if (!shape || inputSchema(shape).safeParse(args).success) continue;
    await auditToolCall(ctx, call, { tool: name, allowed: false, reason: "invalid_request", details: { limit: "request" } });
  }
}

export async function checkToolScope(ctx: McpContext, call: CallState, body: unknown, headers: Record<string, string>): Promise<Response | null> {
  for (const { name: tool } of toolCalls(body)) {
    const accepted = TOOL_SCOPES[tool];
    if (!accepted || accepted.some((s) => call.auth.scopes.includes(s))) continue;
    const needed = accepted[accepted.length - 1];
    await auditToolCall(ctx, call, { tool, allowed: false, reason: "insufficient_scope", details: { limit: "scope", required_scope: needed } });
    return ctx.resourceServer.insufficientScope([needed], call.auth.scopes, `The ${tool} tool needs the ${needed} scope.`, headers);
  }
  return null;
}
