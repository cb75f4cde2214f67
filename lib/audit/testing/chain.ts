// Test helpers for the audit chain: reset it, fill it, and tamper with it through raw SQL
// the way an attacker with database access would.
import type { Db } from "../../db";
import { bulkAppend } from "../bulk";
import { canonicalJson, entryHash, GENESIS_HASH } from "../hash";
import { hashedFields, normaliseRow, SELECT_COLUMNS, type StoredAuditRow } from "../rows";
import { seedEvents } from "../seed-data";
import { isPostgres, placeholders } from "../sql";

export async function resetChain(db: Db): Promise<void> {
  await db.$executeRawUnsafe(`DELETE FROM "AuditEvent"`);
  await db.$executeRawUnsafe(`DELETE FROM "AuditCheckpoint"`);
  await db.$executeRawUnsafe(`UPDATE "AuditHead" SET "seq" = 0, "hash" = '${GENESIS_HASH}' WHERE "id" = 1`);
}

export async function fillChain(db: Db, count: number, seed = 1): Promise<void> {
  await bulkAppend(db, [...seedEvents(count, new Date(), { seed, idPrefix: `t${seed}` })]);
}

export async function rowAt(db: Db, seq: number): Promise<StoredAuditRow> {
  const rows = await db.$queryRawUnsafe<Record<string, unknown>[]>(
    `SELECT ${SELECT_COLUMNS} FROM "AuditEvent" WHERE "seq" = ${placeholders(db, 1)[0]}`,
    seq,
  );
  if (!rows[0]) throw new Error(`no audit entry ${seq}`);
  return normaliseRow(rows[0]);
}

/** Runs `sql` with `?` placeholders rewritten for the provider. */
export async function exec(db: Db, sql: string, ...values: unknown[]): Promise<void> {
  const ph = placeholders(db, values.length);
  let i = 0;
  await db.$executeRawUnsafe(sql.replace(/\?/g, () => ph[i++] ?? "?"), ...values);
}

/** Recomputes and stores the hash of entry `seq` from its current content (a careful forger). */
export async function rehash(db: Db, seq: number): Promise<string> {
  const row = await rowAt(db, seq);
  const hash = entryHash(hashedFields(row));
  await exec(db, `UPDATE "AuditEvent" SET "hash" = ? WHERE "seq" = ?`, hash, seq);
  return hash;
}

/** Rewrites entries from..to so each links to its (possibly new) predecessor and hashes right. */
export async function relinkFrom(db: Db, from: number, to: number): Promise<string> {
  let prev = from > 1 ? (await rowAt(db, from - 1)).hash : GENESIS_HASH;
  for (let seq = from; seq <= to; seq++) {
    await exec(db, `UPDATE "AuditEvent" SET "prevHash" = ? WHERE "seq" = ?`, prev, seq);
    prev = await rehash(db, seq);
  }
  return prev;
}

/** Moves entries with seq >= from up by `by`, one at a time from the top (the primary key forbids overlaps). */
export async function shiftUp(db: Db, from: number, last: number, by = 1): Promise<void> {
  for (let seq = last; seq >= from; seq--) await exec(db, `UPDATE "AuditEvent" SET "seq" = ? WHERE "seq" = ?`, seq + by, seq);
}

export async function shiftDown(db: Db, from: number, last: number, by = 1): Promise<void> {
  for (let seq = from; seq <= last; seq++) await exec(db, `UPDATE "AuditEvent" SET "seq" = ? WHERE "seq" = ?`, seq - by, seq);
}

/** Inserts a row as given (hash included): no chain logic, no head update. */
export async function insertRaw(db: Db, row: StoredAuditRow): Promise<void> {
  // SQLite stores milliseconds since the epoch; PostgreSQL a zone-less UTC timestamp.
  const time = isPostgres(db) ? row.time.toISOString().replace("Z", "") : row.time.getTime();
  await exec(
    db,
    `INSERT INTO "AuditEvent" (${SELECT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
    row.seq,
    time,
    row.actorType,
    row.actorId,
    row.subjectUserId,
    row.clientId,
    row.grantId,
    row.type,
    row.outcome,
    row.reason,
    row.details,
    row.prevHash,
    row.hash,
  );
}

/** A well-formed entry at `seq` linked to `prevHash`, with its correct hash. */
export function forgedRow(seq: number, prevHash: string, reason = "forged"): StoredAuditRow {
  const fields = {
    seq,
    time: new Date(),
    actorType: "user",
    actorId: "mallory",
    subjectUserId: "mallory",
    clientId: null,
    grantId: null,
    type: "role.changed",
    outcome: "success",
    reason,
    details: { role: "admin" },
    prevHash,
  };
  return { ...fields, details: canonicalJson(fields.details), hash: entryHash(fields) };
}
