// Step 2 of a send: hand the committed message to the provider, then record the outcome and
// its audit entry in one transaction. The status update is conditional on `pending`, so when
// two processes (a request and the reconciler) race, exactly one records the outcome and
// writes the entry: a delivered message always has one message.delivered entry, and every
// such entry has its message.
import { appendAudit } from "../audit/append";
import { writeTransaction } from "../db";
import type { Deps } from "../deps";
import type { MessageRecord } from "./accept";
import type { MessagingProvider } from "./providers";

export type DeliveryOutcome = "delivered" | "failed" | "pending";

export async function recordOutcome(
  deps: Deps,
  message: MessageRecord,
  outcome: { status: "delivered"; providerMessageId: string } | { status: "failed"; error: string },
): Promise<MessageRecord> {
  return writeTransaction(deps.db, async (tx) => {
    const now = deps.now();
    const data =
      outcome.status === "delivered"
        ? { status: "delivered", providerMessageId: outcome.providerMessageId, deliveredAt: now, error: null }
        : { status: "failed", error: outcome.error.slice(0, 200) };
    const changed = await tx.message.updateMany({ where: { id: message.id, status: "pending" }, data });
    const current = await tx.message.findUniqueOrThrow({ where: { id: message.id } });
    if (changed.count !== 1) return current; // someone else recorded it first
    await appendAudit(
      tx,
      {
        type: outcome.status === "delivered" ? "message.delivered" : "message.failed",
        outcome: outcome.status === "delivered" ? "success" : "failure",
        actorType: "service",
        actorId: `messaging:${message.provider}`,
        subjectUserId: message.userId,
        clientId: message.clientId,
        grantId: message.grantId,
        reason: outcome.status === "failed" ? outcome.error.slice(0, 200) : null,
        details: { message_id: message.id, recipient: message.recipient, provider: message.provider },
      },
      now,
    );
    return current;
  });
}

/**
 * Delivers one pending message. A retryable failure leaves it pending for the reconciler;
 * a permanent one marks it failed. The quota unit stays taken either way: a provider may have
 * accepted a message even when the answer was lost, so "at most N" stays true.
 */
export async function deliverMessage(deps: Deps, provider: MessagingProvider, message: MessageRecord): Promise<MessageRecord> {
  if (message.status !== "pending") return message;
  const result = await provider.send({
    id: message.id,
    to: message.recipient,
    body: message.body,
    grantId: message.grantId,
    userId: message.userId,
    createdAt: message.createdAt,
  });
  if (result.ok) return recordOutcome(deps, message, { status: "delivered", providerMessageId: result.providerMessageId });
  if (result.retryable) return message;
  return recordOutcome(deps, message, { status: "failed", error: result.error });
}
