// A pending authorization request, whatever the flow that brought it (authorization code,
// CIBA, device): the AuthorizationRequest row that the consent page later reads, and the
// `authorization.requested` audit entry that starts the grant's timeline, in one transaction
// (docs/audit.md: an event and its effect commit together).
import { appendAudit } from "../audit/append";
import type { Tx } from "../db";
import type { RequestedAccess } from "./request-params";

type RequestRow = Awaited<ReturnType<Tx["authorizationRequest"]["create"]>>;

/** The columns only some flows fill. Handles are given here already hashed. */
export interface FlowColumns {
  redirectUri?: string;
  state?: string | null;
  codeChallenge?: string;
  dpopJkt?: string | null;
  parRequestUriHash?: string | null;
  bindingMessage?: string | null;
  loginHint?: string;
  authReqIdHash?: string;
  deviceCodeHash?: string;
  userCode?: string;
  pollInterval?: number;
}

export interface PendingRequest {
  flow: "authorize" | "ciba" | "device";
  clientId: string;
  /** Known up front only when the client names the user (CIBA's login_hint). */
  userId?: string;
  access: RequestedAccess;
  ttlSeconds: number;
  columns: FlowColumns;
  /** Flow-specific facts for the audit entry, beside the requested access. */
  auditDetails?: Record<string, unknown>;
}

export async function storePendingRequest(tx: Tx, now: Date, request: PendingRequest): Promise<RequestRow> {
  const { access } = request;
  const row = await tx.authorizationRequest.create({
    data: {
      ...request.columns,
      flow: request.flow,
      clientId: request.clientId,
      userId: request.userId,
      resource: access.resource,
      scope: access.scope,
      authorizationDetails: JSON.stringify(access.details),
      requestedExpiry: access.requestedExpiry,
      createdAt: now,
      expiresAt: new Date(now.getTime() + request.ttlSeconds * 1000),
    },
  });
  await appendAudit(
    tx,
    {
      type: "authorization.requested",
      outcome: "info",
      actorType: "agent",
      actorId: request.clientId,
      subjectUserId: request.userId,
      clientId: request.clientId,
      details: {
        flow: request.flow,
        request_id: row.id,
        ...request.auditDetails,
        scope: access.scope,
        resource: access.resource,
        authorization_details: access.details,
        requested_expiry: access.requestedExpiry,
      },
    },
    now,
  );
  return row;
}
