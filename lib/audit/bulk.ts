// Appends many entries in one write transaction: the bulk form of appendAudit, used by the
// seeding script and the benchmark. Same chain rules and the same writer (chain-writer.ts).
import { writeTransaction, type Db } from "../db";
import type { AuditEventInput } from "./events";
import { appendEntries } from "./chain-writer";
import { checkReason, normaliseDetails } from "./privacy";

export type TimedAuditEvent = AuditEventInput & { time: Date };

/** Appends the events in order, in one transaction; returns the last seq. */
export async function bulkAppend(db: Db, events: TimedAuditEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const checked = events.map((e) => {
    checkReason(e.reason);
    return { ...e, details: normaliseDetails(e.details) };
  });
  return writeTransaction(db, (tx) => appendEntries(tx, checked));
}
