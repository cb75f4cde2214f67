// Filtered reads of the audit trail with keyset pagination on seq: a page is "the next N
// entries after this seq", so page 10,000 costs what page 1 costs (no OFFSET scan) and an
// entry appended meanwhile never shifts a page. Each filter column has an index ending in
// seq (prisma/schema.prisma), so "grant = X ORDER BY seq DESC LIMIT n" is one index range.
import type { Db } from "../db";
import type { AuditFilter } from "./filter";
import { normaliseRow, SELECT_COLUMNS, type StoredAuditRow } from "./rows";
import { isPostgres, SqlParams, timeValue } from "./sql";

export interface AuditPage {
  entries: StoredAuditRow[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: number | null;
  /** For a windowed text search: the lowest seq this page searched (older entries not yet). */
  searchedFrom?: number;
}

/**
 * A reason search that no index narrows scans the table. Newest first, it stops as soon as a
 * page is full, but a rare term would scan everything: so such a search looks at most
 * SEARCH_WINDOW entries per page and, when the page is not full, offers to continue below.
 * Every page then costs a bounded scan (docs/audit.md, "Scale", measures it at a million entries).
 */
export const SEARCH_WINDOW = 100_000;

function windowed(f: AuditFilter, order: "asc" | "desc"): boolean {
  return order === "desc" && !!f.q && !f.grantId && !f.userId && !f.clientId;
}

export interface PageOptions {
  /** Exclusive bound on seq: entries below it (desc) or above it (asc). */
  cursor?: number;
  limit?: number;
  order?: "desc" | "asc";
  /** From how many entries a time range counts as wide (default WIDE_RANGE_ROWS). */
  wideRangeRows?: number;
  /** Entries a windowed text search scans per page (default SEARCH_WINDOW). */
  searchWindow?: number;
}

export const MAX_PAGE = 5000;

/** LIKE pattern for a literal substring: %, _ and the escape character itself escaped. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function whereClause(db: Db, f: AuditFilter, params: SqlParams, extra: string[] = [], { timeIndex = true } = {}): string {
  const pg = isPostgres(db);
  // `+"time"` keeps SQLite from using the time index (see wideTimeRange).
  const time = timeIndex || pg ? `"time"` : `+"time"`;
  const conds = [...extra];
  if (f.userId) conds.push(`"subjectUserId" = ${params.add(f.userId)}`);
  if (f.clientId) conds.push(`"clientId" = ${params.add(f.clientId)}`);
  if (f.grantId) conds.push(`"grantId" = ${params.add(f.grantId)}`);
  if (f.types?.length) conds.push(`"type" IN (${f.types.map((t) => params.add(t)).join(", ")})`);
  if (f.outcome) conds.push(`"outcome" = ${params.add(f.outcome)}`);
  if (f.from) conds.push(`${time} >= ${params.add(timeValue(pg, f.from))}${pg ? "::timestamp" : ""}`);
  if (f.to) conds.push(`${time} <= ${params.add(timeValue(pg, f.to))}${pg ? "::timestamp" : ""}`);
  // Case-insensitive substring (SQLite's LIKE already ignores ASCII case).
  if (f.q) conds.push(`"reason" ${pg ? "ILIKE" : "LIKE"} ${params.add(likePattern(f.q))} ESCAPE '\\'`);
  return conds.length ? `WHERE ${conds.join(" AND ")}` : "";
}

/**
 * SQLite has no statistics unless ANALYZE ran, and then always reads a time range through the
 * time index and sorts it by seq: quick for an hour, over a second for a range spanning the
 * table (every row fetched and sorted). So count, through the index alone and capped, how many
 * entries the range holds; a wide range is better read newest first along seq, stopping at
 * the page's end. (PostgreSQL's planner has statistics and makes this choice itself.)
 */
export const WIDE_RANGE_ROWS = 5000;

/** The time index (prisma/schema.prisma), named where SQLite must use it. */
export const TIME_INDEX = "AuditEvent_time_idx";

async function wideTimeRange(db: Db, f: AuditFilter, threshold: number): Promise<boolean> {
  if (isPostgres(db) || (!f.from && !f.to)) return false;
  const p = new SqlParams(false);
  const conds = [f.from && `"time" >= ${p.add(f.from.getTime())}`, f.to && `"time" <= ${p.add(f.to.getTime())}`].filter(Boolean).join(" AND ");
  const rows = await db.$queryRawUnsafe<{ n: unknown }[]>(
    `SELECT COUNT(*) AS "n" FROM (SELECT 1 FROM "AuditEvent" INDEXED BY "${TIME_INDEX}" WHERE ${conds} LIMIT ${p.add(threshold)})`,
    ...p.values,
  );
  return Number(rows[0]?.n ?? 0) >= threshold;
}

async function topSeq(db: Db): Promise<number> {
  const rows = await db.$queryRawUnsafe<{ top: unknown }[]>(`SELECT MAX("seq") AS "top" FROM "AuditEvent"`);
  return Number(rows[0]?.top ?? 0);
}

export async function queryAudit(db: Db, filter: AuditFilter, opts: PageOptions = {}): Promise<AuditPage> {
  const limit = Math.min(Math.max(1, opts.limit ?? 50), MAX_PAGE);
  const order = opts.order ?? "desc";
  const params = new SqlParams(isPostgres(db));
  const keyset = opts.cursor === undefined ? [] : [`"seq" ${order === "desc" ? "<" : ">"} ${params.add(opts.cursor)}`];
  let floor: number | undefined;
  if (windowed(filter, order)) {
    const upper = opts.cursor ?? (await topSeq(db)) + 1;
    floor = Math.max(1, upper - (opts.searchWindow ?? SEARCH_WINDOW));
    keyset.push(`"seq" >= ${params.add(floor)}`);
  }
  const timeIndex = !(await wideTimeRange(db, filter, opts.wideRangeRows ?? WIDE_RANGE_ROWS));
  const where = whereClause(db, filter, params, keyset, { timeIndex });
  const sql = `SELECT ${SELECT_COLUMNS} FROM "AuditEvent" ${where} ORDER BY "seq" ${order.toUpperCase()} LIMIT ${params.add(limit + 1)}`;
  const rows = (await db.$queryRawUnsafe<Record<string, unknown>[]>(sql, ...params.values)).map(normaliseRow);
  const more = rows.length > limit;
  const entries = more ? rows.slice(0, limit) : rows;
  const last = entries.at(-1);
  if (more && last) return { entries, nextCursor: last.seq };
  // Not full: for a windowed search, older entries remain to be searched below the window.
  return { entries, nextCursor: floor !== undefined && floor > 1 ? floor : null, searchedFrom: floor };
}

/** Every entry matching the filter, in batches, ascending (for export). */
export async function* iterateAudit(db: Db, filter: AuditFilter, batchSize = 1000): AsyncGenerator<StoredAuditRow[]> {
  let cursor: number | undefined;
  for (;;) {
    const page = await queryAudit(db, filter, { cursor, limit: batchSize, order: "asc" });
    if (page.entries.length) yield page.entries;
    if (page.nextCursor === null) return;
    cursor = page.nextCursor;
  }
}

/** One entry by its seq (the console's detail panel), or undefined. */
export async function auditEntry(db: Db, seq: number): Promise<StoredAuditRow | undefined> {
  const p = new SqlParams(isPostgres(db));
  const rows = await db.$queryRawUnsafe<Record<string, unknown>[]>(`SELECT ${SELECT_COLUMNS} FROM "AuditEvent" WHERE "seq" = ${p.add(seq)}`, ...p.values);
  return rows[0] ? normaliseRow(rows[0]) : undefined;
}
