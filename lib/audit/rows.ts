// Reading stored audit rows in keyset batches (seq ascending), as verification and export
// need them: raw SQL with an explicit column list, so a million rows stream without the
// per-row cost of the model API, and the same statement serves SQLite and PostgreSQL.
import type { Db } from "../db";
import { placeholders } from "./sql";
import type { HashedFields } from "./hash";

/** A row as stored: the hashed fields, with `details` as the JSON text appendAudit wrote, and the hash. */
export type StoredAuditRow = Omit<HashedFields, "details"> & { details: string; hash: string };

export const AUDIT_COLUMNS = [
  "seq",
  "time",
  "actorType",
  "actorId",
  "subjectUserId",
  "clientId",
  "grantId",
  "type",
  "outcome",
  "reason",
  "details",
  "prevHash",
  "hash",
] as const;

export const SELECT_COLUMNS = AUDIT_COLUMNS.map((c) => `"${c}"`).join(", ");

/** Normalises what the drivers return (PostgreSQL may give bigint, SQLite a number). */
export function normaliseRow(raw: Record<string, unknown>): StoredAuditRow {
  return {
    ...(raw as unknown as StoredAuditRow),
    seq: Number(raw.seq),
    time: raw.time instanceof Date ? raw.time : new Date(raw.time as string | number),
  };
}

/** Rows with seq > afterSeq, ascending, at most `limit`. */
export async function readAscending(db: Db, afterSeq: number, limit: number): Promise<StoredAuditRow[]> {
  const [a, b] = placeholders(db, 2);
  const rows = await db.$queryRawUnsafe<Record<string, unknown>[]>(
    `SELECT ${SELECT_COLUMNS} FROM "AuditEvent" WHERE "seq" > ${a} ORDER BY "seq" ASC LIMIT ${b}`,
    afterSeq,
    limit,
  );
  return rows.map(normaliseRow);
}

export async function findByHash(db: Db, hash: string): Promise<StoredAuditRow | undefined> {
  const rows = await db.$queryRawUnsafe<Record<string, unknown>[]>(
    `SELECT ${SELECT_COLUMNS} FROM "AuditEvent" WHERE "hash" = ${placeholders(db, 1)[0]}`,
    hash,
  );
  return rows[0] ? normaliseRow(rows[0]) : undefined;
}

/** The hashed fields of a stored row; throws when its details are not valid JSON. */
export function hashedFields(row: StoredAuditRow, seq: number = row.seq): HashedFields {
  const details = JSON.parse(row.details) as unknown;
  if (details === null || typeof details !== "object" || Array.isArray(details)) throw new TypeError("details is not a JSON object");
  return { ...row, seq, details: details as Record<string, unknown> };
}

export interface HeadSnapshot {
  headSeq: number;
  headHash: string;
  maxSeq: number;
  rowCount?: number;
}

/** The head row and the highest stored seq, read in one statement (one snapshot). */
export async function readHead(db: Db): Promise<HeadSnapshot> {
  const rows = await db.$queryRawUnsafe<{ headSeq: unknown; headHash: string; maxSeq: unknown }[]>(
    `SELECT h."seq" AS "headSeq", h."hash" AS "headHash", (SELECT MAX("seq") FROM "AuditEvent") AS "maxSeq"
       FROM "AuditHead" h WHERE h."id" = 1`,
  );
  if (!rows[0]) throw new Error("audit head row is missing: run the migrations");
  return { headSeq: Number(rows[0].headSeq), headHash: rows[0].headHash, maxSeq: Number(rows[0].maxSeq ?? 0) };
}
