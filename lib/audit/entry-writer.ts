// Audit entries that have no other effect to commit with (an MCP tool call allowed or denied),
// committed through one group-commit writer per database client (lib/db/group-commit.ts):
// concurrent entries share one write transaction and are chained in submission order at its
// commit, so a burst of tool calls pays one transaction, one write lock and one head update
// instead of one each. Each caller is answered only once its entry is committed, and rejected
// when its batch failed, so a tool call still fails closed without its entry (docs/audit.md,
// "Group commit").
import type { Db, Tx } from "../db";
import { groupCommitPerDb } from "../db/group-commit";
import { appendCheckedAudit, checkAuditEvent, type CheckedAuditEvent } from "./append";
import type { AuditEventInput } from "./events";

/** Most entries per transaction. */
export const ENTRY_BATCH_MAX = 64;

function writeEntries(tx: Tx, entries: CheckedAuditEvent[]): Promise<void> {
  for (const entry of entries) appendCheckedAudit(tx, entry);
  return Promise.resolve();
}

/** The writer of a database client (one per client per loaded copy of this module). */
export const auditEntryWriter = groupCommitPerDb<CheckedAuditEvent>({ write: writeEntries, maxBatch: ENTRY_BATCH_MAX });

/**
 * Appends one entry in a transaction shared with concurrent appends. The entry is checked
 * first (privacy.ts), in the caller's stack, so a refused entry fails only its caller and
 * never the batch. Resolves once committed.
 */
export async function appendAuditEntry(db: Db, event: AuditEventInput, at: Date): Promise<void> {
  await auditEntryWriter(db).submit(checkAuditEvent(event, at));
}
