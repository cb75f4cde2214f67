// Every tool call is audited, allowed or denied, with its reason (docs/audit.md).
// The entry is written BEFORE anything is sent downstream: if the audit store cannot be
// written, the call fails closed (HTTP 503) and nothing is sent (checklist 65).
import type { CallState, McpContext } from "../context";
import { errorMessage } from "../../lib/error-message";

export class AuditUnavailableError extends Error {
  override name = "AuditUnavailableError";
}

export interface ToolAuditEntry {
  tool: string;
  allowed: boolean;
  /** For denials: the machine-readable code (e.g. recipient_not_allowed). */
  reason?: string;
  outcome?: "success" | "denied" | "failure";
  details?: Record<string, unknown>;
}

export async function auditToolCall(ctx: McpContext, call: CallState, entry: ToolAuditEntry): Promise<void> {
  const { claims } = call.auth;
  try {
    await ctx.audit.append(
      {
        type: entry.allowed ? "tool.allowed" : "tool.denied",
        outcome: entry.outcome ?? (entry.allowed ? "success" : "denied"),
        actorType: "agent",
        actorId: claims.client_id,
        subjectUserId: claims.sub,
        clientId: claims.client_id,
        grantId: claims.grant_id,
        reason: entry.reason ?? null,
        details: { tool: entry.tool, token_jti: claims.jti, ...entry.details },
      },
      ctx.now(),
    );
  } catch (err) {
    call.auditFailed = true;
    console.error(`mcp-server: audit write failed, failing closed: ${errorMessage(err)}`);
    throw new AuditUnavailableError("the audit store is unavailable");
  }
}
