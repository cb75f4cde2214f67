// list_messages {}: the messages sent under the caller's grant (newest first), read through the
// messaging port. Needs messages:read (checked at the HTTP layer).
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { CallState, McpContext } from "../context";
import { auditToolCall } from "./audit";
import { requireLiveGrant } from "./grant-check";
import { okResult } from "./results";

export async function listMessagesTool(ctx: McpContext, call: CallState): Promise<CallToolResult> {
  const grant = await requireLiveGrant(ctx, call);
  await auditToolCall(ctx, call, { tool: "list_messages", allowed: true });
  const rows = await ctx.messaging.sentUnder(grant.rootGrantId, 100);
  const messages = rows.map((m) => ({
    id: m.id,
    to: m.recipient,
    body: m.body,
    status: m.status,
    created_at: m.createdAt.toISOString(),
    delivered_at: m.deliveredAt?.toISOString() ?? null,
  }));
  return okResult({ messages, count: messages.length }, `${messages.length} message(s) sent under this grant.`);
}
