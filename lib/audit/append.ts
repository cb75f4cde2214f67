// Appends to the hash chain inside the caller's transaction, so an event and its effect
// commit together or not at all (docs/audit.md, "Writing: one chain from many processes").
//
// The entry is checked at once but chained at the END of the transaction, just before it
// commits (writeTransaction's before-commit step): only then is the head row updated, which
// takes the head lock on PostgreSQL (a row lock) until the commit a moment later. So writers
// in every process still append strictly one after another and the chain stays linear, but
// a writer holds the head only for its last two statements, not for the whole length of its
// transaction. On SQLite the database write lock already serialises writers from BEGIN
// (lib/db/transaction.ts); there the deferral only saves statements.
import { beforeCommit, type Tx } from "../db";
import type { AuditEventInput } from "./events";
import { appendEntries, type CheckedAuditEvent } from "./chain-writer";
import { checkReason, normaliseDetails } from "./privacy";

export { normaliseDetails } from "./privacy";
export type { CheckedAuditEvent } from "./chain-writer";

const queued = new WeakMap<Tx, CheckedAuditEvent[]>();

/**
 * The entry as it will be chained: details normalised and checked for secrets, reason checked
 * (privacy.ts). Throws AuditPrivacyError. Separate from queueing so that a writer batching
 * many callers' entries in one transaction (lib/db/group-commit.ts) can refuse a bad entry in
 * its own caller's stack, before it could fail the batch.
 */
export function checkAuditEvent(event: AuditEventInput, now: Date = new Date()): CheckedAuditEvent {
  const details = normaliseDetails(event.details);
  checkReason(event.reason);
  return { ...event, details, time: now };
}

/** Queues an entry checkAuditEvent returned on the transaction; it is chained at commit. */
export function appendCheckedAudit(tx: Tx, entry: CheckedAuditEvent): void {
  let events = queued.get(tx);
  if (!events) {
    const list: CheckedAuditEvent[] = [];
    events = list;
    queued.set(tx, list);
    beforeCommit(tx, () => appendEntries(tx, list.splice(0)));
  }
  events.push(entry);
}

/** How many entries are queued on `tx`: a mark for dropQueuedAudit. */
export function queuedAuditMark(tx: Tx): number {
  return queued.get(tx)?.length ?? 0;
}

/**
 * Drops the entries queued on `tx` after `mark`, when the writes they record were undone by a
 * savepoint (lib/db/transaction.ts, inSavepoint): an entry must never commit without its effect.
 */
export function dropQueuedAudit(tx: Tx, mark: number): void {
  queued.get(tx)?.splice(mark);
}

export async function appendAudit(tx: Tx, event: AuditEventInput, now: Date = new Date()): Promise<void> {
  // Checked here, in the caller's stack, so a refused entry fails the caller's transaction
  // before anything else runs and takes no lock and no number.
  appendCheckedAudit(tx, checkAuditEvent(event, now));
}
