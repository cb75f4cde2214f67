// The grant behind the caller's token must be live on every call: active, unexpired, its
// account enabled and the token not revoked. Read from the shared database through a cache
// that is at most 500 ms stale, so a revocation is seen within one second.
import { denialForGrantReason } from "@/lib/messaging/policy";
import type { LiveGrantStatus } from "@/lib/resource-server/grant-status";
import type { CallState, McpContext } from "../context";

export async function requireLiveGrant(ctx: McpContext, call: CallState): Promise<LiveGrantStatus> {
  const { claims } = call.auth;
  const status = await ctx.grants.get(claims.grant_id, claims.jti, ctx.now());
  if (!status.live) throw denialForGrantReason(status.reason);
  return status;
}
