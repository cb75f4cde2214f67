// Appends many entries in one write transaction: the bulk form of appendAudit, used by the
// seeding script and the benchmark. Same chain rules: the head row is updated first (the
// lock on both providers), entries are numbered from it and linked, the head moves last.
// Rows travel as one JSON parameter, so a batch is one statement however large it is
// (SQLite allows 32,766 bound values per statement, PostgreSQL 65,535).
import { writeTransaction, type Db } from "../db";
import { canonicalJson, entryHash } from "./hash";
import type { AuditEventInput } from "./events";
import { isPostgres } from "./sql";
import { checkReason, normaliseDetails } from "./privacy";

export type TimedAuditEvent = AuditEventInput & { time: Date };

const SQLITE_INSERT = `
INSERT INTO "AuditEvent" ("seq","time","actorType","actorId","subjectUserId","clientId","grantId","type","outcome","reason","details","prevHash","hash")
SELECT json_extract(value,'$[0]'), json_extract(value,'$[1]'), json_extract(value,'$[2]'), json_extract(value,'$[3]'),
       json_extract(value,'$[4]'), json_extract(value,'$[5]'), json_extract(value,'$[6]'), json_extract(value,'$[7]'),
       json_extract(value,'$[8]'), json_extract(value,'$[9]'), json_extract(value,'$[10]'), json_extract(value,'$[11]'),
       json_extract(value,'$[12]')
FROM json_each(?)`;

// TIMESTAMP(3) has no zone: Prisma stores UTC wall-clock time, so the ISO string's "Z" is
// dropped before the cast (PostgreSQL would ignore it anyway, but say so explicitly).
const POSTGRES_INSERT = `
INSERT INTO "AuditEvent" ("seq","time","actorType","actorId","subjectUserId","clientId","grantId","type","outcome","reason","details","prevHash","hash")
SELECT (r->>0)::int, replace(r->>1, 'Z', '')::timestamp(3), r->>2, r->>3, r->>4, r->>5, r->>6, r->>7, r->>8, r->>9, r->>10, r->>11, r->>12
FROM json_array_elements($1::json) AS r`;

/** Appends the events in order, in one transaction; returns the last seq. */
export async function bulkAppend(db: Db, events: TimedAuditEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const pg = isPostgres(db);
  return writeTransaction(db, async (tx) => {
    const n = events.length;
    const head = await tx.$queryRawUnsafe<{ seq: number | bigint; hash: string }[]>(
      pg
        ? `UPDATE "AuditHead" SET "seq" = "seq" + $1 WHERE "id" = 1 RETURNING "seq", "hash"`
        : `UPDATE "AuditHead" SET "seq" = "seq" + ? WHERE "id" = 1 RETURNING "seq", "hash"`,
      n,
    );
    if (head.length !== 1) throw new Error("audit head row is missing: run the migrations");
    let seq = Number(head[0].seq) - n;
    let prevHash = head[0].hash;
    const rows: unknown[][] = [];
    for (const e of events) {
      seq += 1;
      const details = normaliseDetails(e.details);
      checkReason(e.reason);
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
        details,
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
        canonicalJson(details),
        prevHash,
        hash,
      ]);
      prevHash = hash;
    }
    await tx.$executeRawUnsafe(pg ? POSTGRES_INSERT : SQLITE_INSERT, JSON.stringify(rows));
    await tx.$executeRawUnsafe(pg ? `UPDATE "AuditHead" SET "hash" = $1 WHERE "id" = 1` : `UPDATE "AuditHead" SET "hash" = ? WHERE "id" = 1`, prevHash);
    return seq;
  });
}
