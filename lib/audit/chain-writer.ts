// Chains entries onto the head and stores them, inside the caller's write transaction: the
// one place that numbers and links entries (appendAudit at commit, bulkAppend for seeding).
// The head is read under its lock, every entry is hashed in memory, and the rows are written in
// one statement (SQLite: bound values, lib/db/insert-rows.ts; PostgreSQL: one JSON parameter),
// so a batch costs the same few statements however large it is.
import type { Tx } from "../db";
import { insertRowsSqlite } from "../db/insert-rows";
import type { AuditEventInput } from "./events";
import { canonicalJson, entryHash } from "./hash";
import { isPostgres } from "./sql";

/** An event whose details are already normalised (privacy.ts), with its time. */
export type CheckedAuditEvent = AuditEventInput & { time: Date };

const COLUMN_NAMES = ["seq", "time", "actorType", "actorId", "subjectUserId", "clientId", "grantId", "type", "outcome", "reason", "details", "prevHash", "hash"] as const;
const COLUMNS = COLUMN_NAMES.map((c) => `"${c}"`).join(",");

// TIMESTAMP(3) has no zone: Prisma stores UTC wall-clock time, so the ISO string's "Z" is
// dropped before the cast. The head moves in the same statement as the insert, so the lock
// taken by FOR UPDATE is held for two statements and the commit.
const POSTGRES_INSERT_AND_MOVE_HEAD = `
WITH ins AS (
  INSERT INTO "AuditEvent" (${COLUMNS})
  SELECT (r->>0)::int, replace(r->>1, 'Z', '')::timestamp(3), r->>2, r->>3, r->>4, r->>5, r->>6, r->>7, r->>8, r->>9, r->>10, r->>11, r->>12
  FROM json_array_elements($1::json) AS r
)
UPDATE "AuditHead" SET "seq" = $2, "hash" = $3 WHERE "id" = 1`;

/** Numbers, links and stores the events in order; returns the last seq (0 for none). */
export async function appendEntries(tx: Tx, events: CheckedAuditEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const pg = isPostgres(tx);
  // On SQLite the transaction already holds the database write lock (lib/db/sqlite-runtime.ts).
  const head = await tx.$queryRawUnsafe<{ seq: number | bigint; hash: string }[]>(
    `SELECT "seq", "hash" FROM "AuditHead" WHERE "id" = 1${pg ? " FOR UPDATE" : ""}`,
  );
  const [top] = head;
  if (head.length !== 1 || !top) throw new Error("audit head row is missing: run the migrations");
  let seq = Number(top.seq);
  let prevHash = top.hash;
  const rows: unknown[][] = [];
  for (const e of events) {
    seq += 1;
    // Millisecond precision: both providers store exactly this, so verification recomputes it.
    const time = new Date(Math.floor(e.time.getTime()));
    const fields = {
      seq,
      time,
      actorType: e.actorType,
      actorId: e.actorId ?? null,
      subjectUserId: e.subjectUserId ?? null,
      clientId: e.clientId ?? null,
      grantId: e.grantId ?? null,
      type: e.type,
      outcome: e.outcome,
      reason: e.reason ?? null,
      details: e.details ?? {},
      prevHash,
    };
    const hash = entryHash(fields);
    rows.push([
      seq,
      pg ? time.toISOString() : time.getTime(),
      fields.actorType,
      fields.actorId,
      fields.subjectUserId,
      fields.clientId,
      fields.grantId,
      fields.type,
      fields.outcome,
      fields.reason,
      canonicalJson(fields.details),
      prevHash,
      hash,
    ]);
    prevHash = hash;
  }
  if (pg) {
    await tx.$executeRawUnsafe(POSTGRES_INSERT_AND_MOVE_HEAD, JSON.stringify(rows), seq, prevHash);
  } else {
    await insertRowsSqlite(tx, "AuditEvent", COLUMN_NAMES, rows);
    await tx.$executeRawUnsafe(`UPDATE "AuditHead" SET "seq" = ?, "hash" = ? WHERE "id" = 1`, seq, prevHash);
  }
  return seq;
}
