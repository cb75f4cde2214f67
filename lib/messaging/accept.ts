// Step 1 of a send (the transactional outbox): in ONE transaction, re-check the grant, take
// one unit of quota, write the Message (status pending) and its audit entry. Either all of it
// commits or none of it does, so a message never exists without its entry and the quota is
// never taken for a message that was not recorded. Delivery happens after the commit
// (deliver.ts); the reconciler re-drives anything left pending by a crash.
import { createHash } from "node:crypto";
import { appendAudit } from "../audit/append";
import { bodyFacts } from "../audit/body-digest";
import type { AuditActorType } from "../audit/events";
import { writeTransaction, type Tx } from "../db";
import type { Deps } from "../deps";
import { readGrantStatus } from "../resource-server/grant-status";
import { denialForGrantReason, MessagingDenial } from "./policy";

export interface AcceptInput {
  /** grant_id of the token that asked (the root grant is found through parentGrantId). */
  grantId: string;
  jti?: string;
  recipient: string; // E.164, already checked against the token's authorization_details
  body: string;
  idempotencyKey?: string;
  actor: { type: AuditActorType; id: string };
}

export interface MessageRecord {
  id: string;
  grantId: string;
  userId: string;
  clientId: string;
  recipient: string;
  body: string;
  bodySha256: string;
  status: string;
  provider: string;
  providerMessageId: string | null;
  idempotencyKey: string | null;
  error: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

export const sha256Hex = (s: string) => createHash("sha256").update(s).digest("hex");

/**
 * Takes one message from every limited grant on the chain. The conditional UPDATE is atomic
 * in both databases, so concurrent senders can never take more than there is: a second
 * writer re-evaluates `usesLeft > 0` after the first commits (PostgreSQL row lock) or runs
 * after it (SQLite's single writer).
 */
async function takeQuota(tx: Tx, chain: { id: string; usesLeft: number | null }[]): Promise<void> {
  for (const grant of chain) {
    if (grant.usesLeft === null) continue;
    const taken = await tx.grant.updateMany({ where: { id: grant.id, usesLeft: { gt: 0 } }, data: { usesLeft: { decrement: 1 } } });
    if (taken.count !== 1) throw new MessagingDenial("quota_exhausted", "The grant's message limit has been reached.", { uses_left: 0 });
  }
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: string }).code === "P2002";
}

async function findReplay(tx: Pick<Tx, "message">, rootGrantId: string, input: AcceptInput): Promise<MessageRecord | null> {
  if (!input.idempotencyKey) return null;
  const existing = await tx.message.findUnique({ where: { grantId_idempotencyKey: { grantId: rootGrantId, idempotencyKey: input.idempotencyKey } } });
  if (!existing) return null;
  // The key names one request; reusing it for another message is a client bug, not a retry.
  if (existing.recipient !== input.recipient || existing.bodySha256 !== sha256Hex(input.body)) {
    throw new MessagingDenial("idempotency_key_reused", "This Idempotency-Key was already used for a different message.");
  }
  return existing;
}

export async function acceptMessage(deps: Deps, input: AcceptInput): Promise<{ message: MessageRecord; replayed: boolean }> {
  const attempt = () =>
    writeTransaction(deps.db, async (tx) => {
      const now = deps.now();
      const status = await readGrantStatus(tx, input.grantId, input.jti, now);
      if (!status.live) throw denialForGrantReason(status.reason);
      const replay = await findReplay(tx, status.rootGrantId!, input);
      if (replay) return { message: replay, replayed: true };
      await takeQuota(tx, status.chain!);
      const message = await tx.message.create({
        data: {
          grantId: status.rootGrantId!,
          userId: status.userId!,
          clientId: status.clientId!,
          recipient: input.recipient,
          body: input.body,
          bodySha256: sha256Hex(input.body),
          status: "pending",
          provider: deps.config.messaging.provider,
          idempotencyKey: input.idempotencyKey ?? null,
          createdAt: now,
        },
      });
      await appendAudit(
        tx,
        {
          type: "message.queued",
          outcome: "success",
          actorType: input.actor.type,
          actorId: input.actor.id,
          subjectUserId: message.userId,
          clientId: message.clientId,
          grantId: message.grantId,
          details: { message_id: message.id, recipient: message.recipient, ...bodyFacts(deps.config.auditHmacKey, input.body), provider: message.provider },
        },
        now,
      );
      return { message, replayed: false };
    });
  try {
    return await attempt();
  } catch (err) {
    // Two requests with one Idempotency-Key raced (PostgreSQL): the loser's transaction rolled
    // back entirely, quota included; answer with the winner's message.
    if (isUniqueViolation(err) && input.idempotencyKey) return attempt();
    throw err;
  }
}
