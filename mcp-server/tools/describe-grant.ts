// describe_grant {}: the grant's limits, each entry's messages used and left, and its expiry,
// in words (the same sentences the consent screen showed) and as data.
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { describeDetails, describeMessagingDetail, entryLimits, entryUsageInWords } from "@/lib/authorization-details";
import type { CallState, McpContext } from "../context";
import { auditToolCall } from "./audit";
import { requireLiveGrant } from "./grant-check";
import { okResult } from "./results";

export async function describeGrantTool(ctx: McpContext, call: CallState): Promise<CallToolResult> {
  const status = await requireLiveGrant(ctx, call);
  await auditToolCall(ctx, call, { tool: "describe_grant", allowed: true });
  const { claims, scopes } = call.auth;
  // The chain ends with the grant the user approved; its entries are the budgets they saw.
  const root = status.chain.at(-1);
  if (!root) throw new Error("a live grant's chain ends with the root grant");
  const expiresAt = status.expiresAt;
  const words = describeDetails(claims.authorization_details, { until: expiresAt, timeZone: "UTC", now: ctx.now() });
  const limits = entryLimits(root.details, root.entries);
  const data = {
    grant_id: root.id,
    status: "active",
    scope: scopes,
    authorization_details: claims.authorization_details,
    granted_authorization_details: root.details,
    message_limits: limits,
    expires_at: expiresAt.toISOString(),
    words: words.map((w) => `${w} (UTC)`),
  };
  // entryLimits gives one limit per detail, in the same order.
  const left = root.details.flatMap((detail, i) => {
    const limit = limits[i];
    return limit ? [`${describeMessagingDetail(detail)}: ${entryUsageInWords(limit)}`] : [];
  });
  return okResult(data, `${data.words.join("; ")}. Messages left per entry: ${left.join("; ")}.`);
}
