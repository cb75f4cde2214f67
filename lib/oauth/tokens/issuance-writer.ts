// Records access tokens that need nothing else in their transaction (client_credentials: no
// grant to lock, no code to consume) through one group-commit writer per database client
// (lib/db/group-commit.ts): concurrent issuances share one write transaction holding every
// member's IssuedToken row and its audit entry, chained in order at commit. The caller answers
// only once recordIssuance has resolved, i.e. its row and entry are committed; a failed batch
// rejects every member and stores none of them (docs/audit.md, "Group commit").
//
// The web server moves this writer onto a thread of its own (./issuance-thread.ts,
// lib/db/write-thread.ts): its submit() then posts the row and entry there, with the same
// answer once committed.
import { appendCheckedAudit, checkAuditEvent, type CheckedAuditEvent } from "../../audit/append";
import type { AuditEventInput } from "../../audit/events";
import { isPostgres } from "../../audit/sql";
import { groupCommitPerDb } from "../../db/group-commit";
import { insertRowsSqlite } from "../../db/insert-rows";
import type { Db, Tx } from "../../db";
import type { PreparedAccessToken } from "./access-token";

/** What the IssuedToken row needs of the token (never the token itself). */
export type IssuedTokenRow = Pick<PreparedAccessToken, "jti" | "grantId" | "clientId" | "expiresAt" | "subjectJti">;

export interface Issuance {
  token: IssuedTokenRow;
  entry: CheckedAuditEvent;
}

/** Most issuances per transaction: bounds one transaction's length and statement size. */
export const ISSUANCE_BATCH_MAX = 64;

// The rows go in one statement whose text depends only on the row count (SQLite: bound values,
// lib/db/insert-rows.ts; PostgreSQL: one JSON parameter), never through Prisma's query compiler,
// which compiled a model createMany anew for each new number of rows (a visible share of the
// token endpoint's CPU, docs/benchmarks.md). Timestamps are stored as each provider's Prisma
// client stores them: milliseconds since the epoch on SQLite, UTC wall-clock TIMESTAMP(3) on
// PostgreSQL.
const COLUMN_NAMES = ["jti", "grantId", "clientId", "expiresAt", "createdAt", "subjectJti"] as const;
const COLUMNS = COLUMN_NAMES.map((c) => `"${c}"`).join(",");
const POSTGRES_INSERT = `
INSERT INTO "IssuedToken" (${COLUMNS})
SELECT r->>0, r->>1, r->>2, replace(r->>3, 'Z', '')::timestamp(3), replace(r->>4, 'Z', '')::timestamp(3), r->>5
FROM json_array_elements($1::json) AS r`;

async function writeIssuances(tx: Tx, items: Issuance[]): Promise<void> {
  const pg = isPostgres(tx);
  const stamp = (d: Date) => (pg ? d.toISOString() : d.getTime());
  const rows = items.map(({ token, entry }) => [token.jti, token.grantId, token.clientId, stamp(token.expiresAt), stamp(entry.time), token.subjectJti]);
  const inserted = pg ? await tx.$executeRawUnsafe(POSTGRES_INSERT, JSON.stringify(rows)) : await insertRowsSqlite(tx, "IssuedToken", COLUMN_NAMES, rows);
  if (inserted !== items.length) throw new Error(`issuance batch: ${inserted} of ${items.length} token rows stored`);
  // The entries are queued in the same order and chained by the audit writer at commit, with
  // one head read and one head update for the whole batch.
  for (const { entry } of items) appendCheckedAudit(tx, entry);
}

/** The writer of a database client (one per client per loaded copy of this module). */
export const issuanceWriter = groupCommitPerDb<Issuance>({ write: writeIssuances, maxBatch: ISSUANCE_BATCH_MAX });

/**
 * Stores the token's IssuedToken row and its audit entry, committed with any concurrent
 * issuances. The entry is checked first (privacy.ts), so a refused entry fails only its own
 * caller and never the batch. Resolves once committed.
 */
export async function recordIssuance(db: Db, token: PreparedAccessToken, event: AuditEventInput, now: Date): Promise<void> {
  const entry = checkAuditEvent(event, now);
  const { jti, grantId, clientId, expiresAt, subjectJti } = token;
  const issuance: Issuance = { token: { jti, grantId, clientId, expiresAt, subjectJti }, entry };
  await issuanceWriter(db).submit(issuance);
}
