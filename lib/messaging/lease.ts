// The delivery lease: before any process calls the provider for a message, it takes the
// message with one conditional UPDATE (pending, nobody's lease running, backoff over,
// attempts left). Of any number of processes racing for one message, exactly one matches:
// PostgreSQL re-checks the WHERE on the row after the winner commits (READ COMMITTED), SQLite
// runs writers one at a time. The attempt and its audit entry commit together, so every
// provider call has its `message.attempted` entry before it is made (docs/outbox.md).
import { randomUUID } from "node:crypto";
import { appendAudit } from "../audit/append";
import type { DeliveryConfig } from "../config";
import { writeTransaction, type Tx } from "../db";
import type { Deps } from "../deps";
import type { MessageRecord } from "./message-record";

/** Names this process in leases (claimedBy) and audit details: no secret, just "who held it". */
export const PROCESS_HOLDER = `pid${process.pid}-${randomUUID().slice(0, 8)}`;

export interface DeliveryLease {
  message: MessageRecord;
  holder: string;
  /** 1 for the first provider call. */
  attempt: number;
  until: Date;
}

/** The wait before attempt n + 1 after attempt n failed: exponential, capped. */
export function retryDelayMs(delivery: DeliveryConfig, attempt: number): number {
  return Math.min(delivery.retryMaxMs, delivery.retryBaseMs * 2 ** Math.max(0, attempt - 1));
}

/** Prisma filter: nobody holds the message's lease at `now`. */
export const leaseFree = (now: Date) => ({ OR: [{ leaseUntil: null }, { leaseUntil: { lte: now } }] });
/** Prisma filter: the message's backoff has passed at `now`. */
export const retryDue = (now: Date) => ({ OR: [{ nextAttemptAt: null }, { nextAttemptAt: { lte: now } }] });

/** The lease's end for a claim made at `now`. */
export const leaseEnd = (deps: Deps, now: Date) => new Date(now.getTime() + deps.config.delivery.leaseMs);

/** The attempt's `message.attempted` entry, in the transaction that takes the lease. */
export async function auditAttempt(tx: Tx, deps: Deps, message: MessageRecord & { attempts: number }, holder: string, until: Date, now: Date): Promise<DeliveryLease> {
  await appendAudit(
    tx,
    {
      type: "message.attempted",
      outcome: "info",
      actorType: "service",
      actorId: `messaging:${message.provider}`,
      subjectUserId: message.userId,
      clientId: message.clientId,
      grantId: message.grantId,
      details: { message_id: message.id, attempt: message.attempts, max_attempts: deps.config.delivery.maxAttempts, holder, lease_until: until.toISOString() },
    },
    now,
  );
  return { message, holder, attempt: message.attempts, until };
}

/** Takes the lease for one provider call, or null when another process holds it, it waits for its backoff, or no attempt is left. */
export async function claimDelivery(deps: Deps, messageId: string, holder: string = PROCESS_HOLDER): Promise<DeliveryLease | null> {
  return writeTransaction(deps.db, async (tx) => {
    const now = deps.now();
    const until = leaseEnd(deps, now);
    const [message] = await tx.message.updateManyAndReturn({
      where: { id: messageId, status: "pending", attempts: { lt: deps.config.delivery.maxAttempts }, AND: [leaseFree(now), retryDue(now)] },
      data: { attempts: { increment: 1 }, leaseUntil: until, claimedBy: holder },
    });
    if (!message) return null;
    return auditAttempt(tx, deps, message, holder, until, now);
  });
}

/**
 * After a retryable failure: frees the lease and sets the earliest next attempt. Conditional
 * on still holding it (same holder, same attempt): a lease that ran out meanwhile may have
 * passed to another process, whose attempt this must not disturb. Returns the next attempt's
 * time, or null when the lease was no longer ours.
 */
export async function deferDelivery(tx: Tx, deps: Deps, lease: DeliveryLease, error: string): Promise<Date | null> {
  const now = deps.now();
  const next = new Date(now.getTime() + retryDelayMs(deps.config.delivery, lease.attempt));
  const freed = await tx.message.updateMany({
    where: { id: lease.message.id, status: "pending", claimedBy: lease.holder, attempts: lease.attempt },
    data: { leaseUntil: null, nextAttemptAt: next, error: error.slice(0, 200) },
  });
  if (freed.count !== 1) return null;
  const m = lease.message;
  await appendAudit(
    tx,
    {
      type: "message.deferred",
      outcome: "failure",
      actorType: "service",
      actorId: `messaging:${m.provider}`,
      subjectUserId: m.userId,
      clientId: m.clientId,
      grantId: m.grantId,
      reason: error.slice(0, 200),
      details: { message_id: m.id, attempt: lease.attempt, next_attempt_at: next.toISOString() },
    },
    now,
  );
  return next;
}
