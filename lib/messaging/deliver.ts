// Step 2 of a send: take the delivery lease (lease.ts), hand the committed message to the
// provider, then record the outcome and its audit entry in one transaction. Only the lease
// holder calls the provider, so two processes (a request and a reconciler, or a former leader's
// reconciler and the new leader's) never send one message at the same time. The status
// update is conditional on `pending`, so exactly one process records the outcome and writes
// the entry: a delivered message always has one message.delivered entry, and every such entry
// has its message (lib/audit/messages-check.ts).
import { appendAudit } from "../audit/append";
import { isPostgres, timeValue } from "../audit/sql";
import { writeTransaction, type Tx } from "../db";
import type { Deps } from "../deps";
import type { MessageRecord } from "./accept";
import { claimDelivery, deferDelivery, PROCESS_HOLDER, type DeliveryLease } from "./lease";
import type { MessagingProvider } from "./providers";

export type DeliveryOutcome = "delivered" | "failed" | "pending";

export type Outcome = { status: "delivered"; providerMessageId: string } | { status: "failed"; error: string };

/** Records a provider's answer for a message (recordOutcome, or a group commit: outcome-batch.ts). */
export type OutcomeRecorder = (message: MessageRecord, outcome: Outcome) => Promise<MessageRecord>;

// The outcome is written with one raw statement that answers the attempts count, not Prisma's
// updateManyAndReturn, which costs about twice a raw statement's CPU and, on SQLite, cannot run
// on the connection directly (lib/db/direct-statements.ts). The row it updated was pending, so
// every other field of the MessageRecord is the message's own or set here.
const SQLITE_RECORD = {
  delivered: `UPDATE "Message" SET "status" = 'delivered', "providerMessageId" = ?, "deliveredAt" = ?, "error" = NULL, "leaseUntil" = NULL WHERE "id" = ? AND "status" = 'pending'`,
  failed: `UPDATE "Message" SET "status" = 'failed', "error" = ?, "leaseUntil" = NULL WHERE "id" = ? AND "status" = 'pending'`,
};
const POSTGRES_RECORD = {
  delivered: `UPDATE "Message" SET "status" = 'delivered', "providerMessageId" = $1, "deliveredAt" = CAST($2 AS timestamp(3)), "error" = NULL, "leaseUntil" = NULL WHERE "id" = $3 AND "status" = 'pending'`,
  failed: `UPDATE "Message" SET "status" = 'failed', "error" = $1, "leaseUntil" = NULL WHERE "id" = $2 AND "status" = 'pending'`,
};
// giveUp: only while nobody's lease is running (the lease's `leaseFree`).
const SQLITE_LEASE_FREE = ` AND ("leaseUntil" IS NULL OR "leaseUntil" <= ?)`;
const postgresLeaseFree = (n: number) => ` AND ("leaseUntil" IS NULL OR "leaseUntil" <= CAST($${n} AS timestamp(3)))`;

async function updateOutcome(tx: Tx, message: MessageRecord, outcome: Outcome, now: Date, onlyIfLeaseFree: boolean): Promise<(MessageRecord & { attempts: number }) | null> {
  const pg = isPostgres(tx);
  const sql = pg ? POSTGRES_RECORD : SQLITE_RECORD;
  const error = outcome.status === "failed" ? outcome.error.slice(0, 200) : null;
  const args: unknown[] = outcome.status === "delivered" ? [outcome.providerMessageId, timeValue(pg, now), message.id] : [error, message.id];
  let text = outcome.status === "delivered" ? sql.delivered : sql.failed;
  if (onlyIfLeaseFree) {
    args.push(timeValue(pg, now));
    text += pg ? postgresLeaseFree(args.length) : SQLITE_LEASE_FREE;
  }
  const rows = await tx.$queryRawUnsafe<{ attempts: number | bigint }[]>(`${text} RETURNING "attempts"`, ...args);
  const [row] = rows;
  if (!row) return null;
  return outcome.status === "delivered"
    ? { ...message, status: "delivered", providerMessageId: outcome.providerMessageId, deliveredAt: now, error: null, attempts: Number(row.attempts) }
    : { ...message, status: "failed", error, attempts: Number(row.attempts) };
}

async function recordIn(tx: Tx, deps: Deps, message: MessageRecord, outcome: Outcome, onlyIfLeaseFree: boolean): Promise<MessageRecord> {
  const now = deps.now();
  const current = await updateOutcome(tx, message, outcome, now, onlyIfLeaseFree);
  if (!current) return tx.message.findUniqueOrThrow({ where: { id: message.id } }); // someone else recorded it first, or holds it
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
      reason: current.error, // the failure as stored (null when delivered)
      details: { message_id: message.id, recipient: message.recipient, provider: message.provider, attempts: current.attempts },
    },
    now,
  );
  return current;
}

/** Records a provider's answer (any process may: the first to record wins). */
export function recordOutcome(deps: Deps, message: MessageRecord, outcome: Outcome): Promise<MessageRecord> {
  return writeTransaction(deps.db, (tx) => recordIn(tx, deps, message, outcome, false));
}

/**
 * Records several providers' answers in one write transaction, each conditionally and with its
 * own entry as recordOutcome does: all of them commit, or none does.
 */
export function recordOutcomes(deps: Deps, items: { message: MessageRecord; outcome: Outcome }[]): Promise<MessageRecord[]> {
  return writeTransaction(deps.db, async (tx) => {
    const recorded: MessageRecord[] = [];
    // One statement at a time: a transaction client runs queries on one connection.
    for (const { message, outcome } of items) recorded.push(await recordIn(tx, deps, message, outcome, false));
    return recorded;
  });
}

/**
 * Marks a message failed without a provider call (attempts used up, or too old), unless a
 * process holds its lease right now: that process's answer may still be "delivered".
 */
export function giveUp(deps: Deps, message: MessageRecord, error: string): Promise<MessageRecord> {
  return writeTransaction(deps.db, (tx) => recordIn(tx, deps, message, { status: "failed", error }, true));
}

/**
 * Delivers one pending message, if this process can take its lease. A retryable failure (a
 * timeout included: the provider may have accepted it) leaves it pending, to be retried after
 * the backoff with the same idempotency key until the attempts run out; a permanent one marks
 * it failed. The quota unit stays taken either way: a provider may have accepted a message
 * even when the answer was lost, so "at most N" stays true.
 */
export async function deliverMessage(deps: Deps, provider: MessagingProvider, message: MessageRecord, holder: string = PROCESS_HOLDER): Promise<MessageRecord> {
  if (message.status !== "pending") return message;
  const lease = await claimDelivery(deps, message.id, holder);
  if (!lease) return deps.db.message.findUniqueOrThrow({ where: { id: message.id } });
  return deliverUnderLease(deps, provider, lease);
}

/** The provider call and its outcome, for a lease already taken (claimDelivery, or acceptMessage's `claimFor`). */
export async function deliverUnderLease(
  deps: Deps,
  provider: MessagingProvider,
  lease: DeliveryLease,
  record: OutcomeRecorder = (message, outcome) => recordOutcome(deps, message, outcome),
): Promise<MessageRecord> {
  const { message } = lease;
  const result = await provider.send({
    id: message.id,
    to: message.recipient,
    body: message.body,
    grantId: message.grantId,
    userId: message.userId,
    createdAt: message.createdAt,
  });
  if (result.ok) return record(lease.message, { status: "delivered", providerMessageId: result.providerMessageId });
  if (!result.retryable) return record(lease.message, { status: "failed", error: result.error });
  const { maxAttempts } = deps.config.delivery;
  if (lease.attempt >= maxAttempts) {
    return record(lease.message, { status: "failed", error: `gave up after ${maxAttempts} attempts: ${result.error}` });
  }
  return writeTransaction(deps.db, async (tx) => {
    await deferDelivery(tx, deps, lease, result.error);
    return tx.message.findUniqueOrThrow({ where: { id: message.id } });
  });
}
