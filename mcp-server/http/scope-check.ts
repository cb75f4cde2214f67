// A tools/call the token's scope does not cover gets HTTP 403 insufficient_scope with a
// WWW-Authenticate challenge naming the scope that would help (RFC 6750 section 3.1; the MCP
// authorization spec's step-up flow): a client can re-authorize for it. The denial is audited.
import type { CallState, McpContext } from "../context";
import { auditToolCall } from "../tools/audit";
import { TOOL_SCOPES } from "../tools/register";

function toolCalls(body: unknown): string[] {
  const messages = Array.isArray(body) ? body : [body];
  const names: string[] = [];
  for (const m of messages) {
    if (m && typeof m === "object" && (m as { method?: unknown }).method === "tools/call") {
      const name = (m as { params?: { name?: unknown } }).params?.name;
      if (typeof name === "string") names.push(name);
    }
  }
  return names;
}

export async function checkToolScope(ctx: McpContext, call: CallState, body: unknown, headers: Record<string, string>): Promise<Response | null> {
  for (const tool of toolCalls(body)) {
    const accepted = TOOL_SCOPES[tool];
    if (!accepted || accepted.some((s) => call.auth.scopes.includes(s))) continue;
    const needed = accepted[accepted.length - 1];
    await auditToolCall(ctx, call, { tool, allowed: false, reason: "insufficient_scope", details: { limit: "scope", required_scope: needed } });
    return ctx.resourceServer.insufficientScope([needed], call.auth.scopes, `The ${tool} tool needs the ${needed} scope.`, headers);
  }
  return null;
}
