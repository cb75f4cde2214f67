// Step 1 of a send (the transactional outbox): in ONE transaction, re-check the grant, spend
// one message from an authorization-details entry covering the recipient, write the Message
// (status pending) and its audit entry. Either all of it commits or none of it does, so a
// message never exists without its entry and the quota is never taken for a message that was
// not recorded. Delivery happens after the commit (deliver.ts); the reconciler re-drives
// anything left pending by a crash. A request that delivers at once takes the first attempt's
// lease in the same transaction (`claimFor`), with its `message.attempted` entry, instead of
// a second write transaction (docs/outbox.md).
import { createHash } from "node:crypto";
import { appendAudit } from "../audit/append";
import { bodyFacts } from "../audit/body-digest";
import type { AuditActorType } from "../audit/events";
import { writeTransaction, type Tx } from "../db";
import type { Deps } from "../deps";
import { spendFromEntries } from "../grants/entries";
import { readGrantStatus, type ChainGrant } from "../resource-server/grant-status";
import { auditAttempt, leaseEnd, type DeliveryLease } from "./lease";
import type { MessageRecord } from "./message-record";
import { denialForGrantReason, MessagingDenial, quotaDenial } from "./policy";

export interface AcceptInput {
  /** grant_id of the token that asked (the root grant is found through parentGrantId). */
  grantId: string;
  jti?: string;
  recipient: string; // E.164, already checked against the token's authorization_details
  body: string;
  idempotencyKey?: string;
  actor: { type: AuditActorType; id: string };
}

export type { MessageRecord } from "./message-record";

export const sha256Hex = (s: string) => createHash("sha256").update(s).digest("hex");

/**
 * Spends one message for `recipient` on every grant of the chain (the token's grant up to the
 * one the user approved), each from one of its own entries covering the recipient, chosen by
 * the documented rule (lib/authorization-details/quota.ts). Every entry is its own budget, as
 * the consent screen words it; the spend is a conditional UPDATE per entry, exact under
 * concurrency on both databases (lib/grants/entries.ts).
 */
async function spendMessage(tx: Tx, chain: ChainGrant[], recipient: string): Promise<void> {
  for (const grant of chain) {
    const spent = await spendFromEntries(tx, grant.id, grant.details, recipient);
    if (spent === null) throw quotaDenial(recipient);
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

export interface AcceptOptions {
  /** Take the first attempt's delivery lease for this holder (lease.ts) in the same transaction. */
  claimFor?: string;
}

export interface Accepted {
  message: MessageRecord;
  replayed: boolean;
  /** The first attempt's lease, when `claimFor` was given and the message is new. */
  lease?: DeliveryLease;
}

export async function acceptMessage(deps: Deps, input: AcceptInput, options: AcceptOptions = {}): Promise<Accepted> {
  const attempt = () =>
    writeTransaction(deps.db, async (tx) => {
      const now = deps.now();
      const status = await readGrantStatus(tx, input.grantId, input.jti, now);
      if (!status.live) throw denialForGrantReason(status.reason);
      const replay = await findReplay(tx, status.rootGrantId!, input);
      if (replay) return { message: replay, replayed: true };
      await spendMessage(tx, status.chain!, input.recipient);
      const until = leaseEnd(deps, now);
      const claim = options.claimFor ? { attempts: 1, leaseUntil: until, claimedBy: options.claimFor } : {};
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
          ...claim,
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
      const lease = options.claimFor ? await auditAttempt(tx, deps, message, options.claimFor, until, now) : undefined;
      return { message, replayed: false, lease };
    });
  try {
    return await attempt();
  } catch (err) {
    // Two requests with one Idempotency-Key raced (PostgreSQL): the loser's transaction rolled
    // back entirely, the spent message included; answer with the winner's message.
    if (isUniqueViolation(err) && input.idempotencyKey) return attempt();
    throw err;
  }
}
