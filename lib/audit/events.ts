// The audit vocabulary (docs/audit.md, "An entry"). Every process writes these through
// appendAudit; the auditor console filters on them.
export const AUDIT_EVENT_TYPES = [
  "client.registered",
  "client.updated",
  "client.revoked",
  "authorization.requested",
  "consent.shown",
  "consent.approved",
  "consent.narrowed",
  "consent.denied",
  "code.issued",
  "code.redeemed",
  "code.replayed",
  "token.issued",
  "token.refreshed",
  // The refresh token cases (README, "Refresh tokens"): a retry inside the reuse leeway (info),
  // a rotated token presented again outside it (the grant is revoked), and a token presented
  // by another client or without its DPoP key (refused; the grant is left alone).
  "token.refresh_replayed_within_leeway",
  "token.refresh_reuse_detected",
  "token.refresh_binding_mismatch",
  "token.exchanged",
  "token.revoked",
  // Written for reused refresh tokens before token.refresh_reuse_detected; kept so that
  // older entries can still be filtered on.
  "refresh.reuse_detected",
  "grant.revoked",
  // In-call consent (docs/mcp-clients.md): an agent's request to extend a live grant, and the
  // owner's decision on it (grant.extended carries the details before and after).
  "grant.extension_requested",
  "grant.extended",
  "grant.extension_denied",
  "tool.allowed",
  "tool.denied",
  "message.queued",
  "message.denied",
  "message.attempted",
  "message.deferred",
  "message.delivered",
  "message.failed",
  "key.rotated",
  "signin.succeeded",
  "signin.failed",
  "user.created",
  "role.changed",
  "account.revoked",
] as const;

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];
export type AuditOutcome = "success" | "failure" | "denied" | "info";
export type AuditActorType = "user" | "agent" | "service" | "system";

export interface AuditEventInput {
  type: AuditEventType;
  outcome: AuditOutcome;
  actorType: AuditActorType;
  actorId?: string | null;
  subjectUserId?: string | null;
  clientId?: string | null;
  grantId?: string | null;
  reason?: string | null;
  /** Small, non-secret facts. Never a token, a secret or a message body (hash and length only). */
  details?: Record<string, unknown>;
}

export interface AuditEntry extends Required<Omit<AuditEventInput, "details">> {
  seq: number;
  time: Date;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}
