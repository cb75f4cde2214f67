// Records access tokens that need nothing else in their transaction (client_credentials: no
// grant to lock, no code to consume) through one group-commit writer per database client
// (lib/db/group-commit.ts): concurrent issuances share one write transaction holding every
// member's IssuedToken row and its audit entry, chained in order at commit. The caller answers
// only once recordIssuance has resolved, i.e. its row and entry are committed; a failed batch
// rejects every member and stores none of them (docs/audit.md, "Group commit").
import { appendCheckedAudit, checkAuditEvent, type CheckedAuditEvent } from "../../audit/append";
import type { AuditEventInput } from "../../audit/events";
import { GroupCommit } from "../../db/group-commit";
import type { Db, Tx } from "../../db";
import type { PreparedAccessToken } from "./access-token";

interface Issuance {
  token: PreparedAccessToken;
  entry: CheckedAuditEvent;
}

/** Most issuances per transaction: bounds one transaction's length and statement size. */
export const ISSUANCE_BATCH_MAX = 64;

async function writeIssuances(tx: Tx, items: Issuance[]): Promise<void> {
  // One INSERT for every row of the batch; the entries are queued in the same order and
  // chained by the audit writer with one head read and one head update.
  await tx.issuedToken.createMany({
    data: items.map(({ token }) => ({ jti: token.jti, grantId: token.grantId, clientId: token.clientId, expiresAt: token.expiresAt, subjectJti: token.subjectJti })),
  });
  for (const { entry } of items) appendCheckedAudit(tx, entry);
}

const writers = new WeakMap<Db, GroupCommit<Issuance>>();

/** The writer of `db` (one per database client per loaded copy of this module). */
export function issuanceWriter(db: Db): GroupCommit<Issuance> {
  let writer = writers.get(db);
  if (!writer) {
    writer = new GroupCommit<Issuance>(db, { write: writeIssuances, maxBatch: ISSUANCE_BATCH_MAX });
    writers.set(db, writer);
  }
  return writer;
}

/**
 * Stores the token's IssuedToken row and its audit entry, committed with any concurrent
 * issuances. The entry is checked first (privacy.ts), so a refused entry fails only its own
 * caller and never the batch. Resolves once committed.
 */
export async function recordIssuance(db: Db, token: PreparedAccessToken, event: AuditEventInput, now: Date): Promise<void> {
  const entry = checkAuditEvent(event, now);
  await issuanceWriter(db).submit({ token, entry });
}
