// A spent single-use credential came back: an authorization code redeemed twice (RFC 6749
// section 4.1.2, RFC 9700 section 4.5) or a rotated refresh token presented again (RFC 9700
// section 4.14.2). Either it leaked or the client raced itself; both revoke everything the
// grant produced, so even the first access token stops working at the resource servers.
import { appendAudit } from "../../audit/append";
import type { AuditEventType } from "../../audit/events";
import { writeTransaction } from "../../db";
import type { Deps } from "../../deps";
import { revokeGrant } from "../../grants";
import type { ClientRecord } from "../clients/store";
import { lockGrantRow } from "./issue";

export interface SpentCredential {
  grantId: string;
  event: Extract<AuditEventType, "code.replayed" | "token.refresh_reuse_detected">;
  /** For the audit entry ("authorization code presented again"). */
  reason: string;
  /** Why the grant was revoked ("authorization code replayed"). */
  revokedBecause: string;
  details?: Record<string, unknown>;
}

export async function revokeForSpentCredential(deps: Deps, client: ClientRecord, spent: SpentCredential): Promise<void> {
  const now = deps.now();
  await writeTransaction(deps.db, async (tx) => {
    await lockGrantRow(tx, spent.grantId); // grant before audit head, as everywhere (issue.ts)
    const grant = await tx.grant.findUnique({ where: { id: spent.grantId }, select: { userId: true } });
    await appendAudit(
      tx,
      {
        type: spent.event,
        outcome: "denied",
        actorType: "agent",
        actorId: client.id,
        subjectUserId: grant?.userId ?? null,
        clientId: client.id,
        grantId: spent.grantId,
        reason: spent.reason,
        details: spent.details,
      },
      now,
    );
    await revokeGrant(tx, spent.grantId, spent.revokedBecause, { type: "system" }, now);
  });
}
