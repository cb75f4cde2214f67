// describe_grant {}: the grant's limits, uses left and expiry, in words (the same sentence the
// consent screen showed) and as data.
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { describeDetails, parseMessagingDetails } from "@/lib/authorization-details";
import type { CallState, McpContext } from "../context";
import { auditToolCall } from "./audit";
import { requireLiveGrant } from "./grant-check";
import { okResult } from "./results";

export async function describeGrantTool(ctx: McpContext, call: CallState): Promise<CallToolResult> {
  const status = await requireLiveGrant(ctx, call);
  await auditToolCall(ctx, call, { tool: "describe_grant", allowed: true });
  const { claims, scopes } = call.auth;
  const root = await ctx.deps.db.grant.findUniqueOrThrow({ where: { id: status.rootGrantId! } });
  const details = parseMessagingDetails(JSON.parse(root.authorizationDetails));
  const expiresAt = status.expiresAt ?? root.expiresAt;
  const words = describeDetails(claims.authorization_details, { until: expiresAt, timeZone: "UTC", now: ctx.deps.now() });
  const data = {
    grant_id: root.id,
    status: "active",
    scope: scopes,
    authorization_details: claims.authorization_details,
    granted_authorization_details: details,
    uses_left: status.usesLeft ?? null,
    expires_at: expiresAt.toISOString(),
    words: words.map((w) => `${w} (UTC)`),
  };
  return okResult(data, `${data.words.join("; ")}. Messages left: ${data.uses_left ?? "no limit"}.`);
}
