// The console's "events over time": how many entries matching the auditor's filter were
// allowed, denied, failed or informational, per time bucket (docs/audit.md, "The console").
// It is an aggregate in the database, never a read of the entries themselves:
// - the whole trail, a time range, an outcome, event types: index lookups and index range
//   counts only (denseCounts below), whatever the table's size;
// - a user, an agent, a grant: a GROUP BY of the rows that column's index finds;
// - a reason search: the same window as the entry pages (query.ts, SEARCH_WINDOW), grouped.
import type { Db } from "../db";
import type { AuditFilter } from "./filter";
import { SEARCH_WINDOW, TIME_INDEX, whereClause } from "./query";
import { isPostgres, SqlParams, timeValue } from "./sql";

export interface ChartBucket {
  start: Date;
  /** outcome success */
  allowed: number;
  /** outcome denied */
  denied: number;
  /** outcome failure */
  failed: number;
  /** outcome info */
  other: number;
}

export interface AuditChart {
  from: Date;
  to: Date;
  bucketMs: number;
  buckets: ChartBucket[];
  total: number;
  /** For a reason search: the lowest seq counted (older entries were not searched). */
  searchedFrom?: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Bucket widths a reader can name; the narrowest that keeps the chart within MAX_BUCKETS. */
const WIDEST_STEP = 30 * DAY;
export const BUCKET_STEPS = [MINUTE, 5 * MINUTE, 15 * MINUTE, HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 7 * DAY, WIDEST_STEP] as const;
export const MAX_BUCKETS = 60;

export function bucketStep(spanMs: number, maxBuckets = MAX_BUCKETS): number {
  return BUCKET_STEPS.find((s) => Math.ceil((spanMs + 1) / s) <= maxBuckets) ?? WIDEST_STEP;
}

/** "1 hour", "15 minutes", "7 days": the width of one bar, in words. */
export function stepInWords(ms: number): string {
  const unit = ms % DAY === 0 ? ["day", DAY] : ms % HOUR === 0 ? ["hour", HOUR] : ["minute", MINUTE];
  const n = ms / (unit[1] as number);
  return `${n} ${unit[0]}${n === 1 ? "" : "s"}`;
}

/** A filter on a user, an agent or a grant: its index narrows the rows to count. */
const narrow = (f: AuditFilter) => !!(f.userId || f.clientId || f.grantId);

async function topSeq(db: Db): Promise<number> {
  const rows = await db.$queryRawUnsafe<{ top: unknown }[]>(`SELECT MAX("seq") AS "top" FROM "AuditEvent"`);
  return Number(rows[0]?.top ?? 0);
}

const toDate = (v: unknown) => (v instanceof Date ? v : new Date(typeof v === "number" ? v : (v as string)));

/** The time of the first or last matching entry (the chart's span when the filter names none). */
async function edgeTime(db: Db, filter: AuditFilter, searchedFrom: number | undefined, dir: "ASC" | "DESC"): Promise<Date | undefined> {
  const pg = isPostgres(db);
  const p = new SqlParams(pg);
  // Along seq for a filter with its own index (ending in seq); along the time index otherwise,
  // which SQLite is told to use.
  const order = narrow(filter) || filter.q || filter.types?.length ? `"seq"` : `"time"`;
  const hint = !pg && order === `"time"` ? ` INDEXED BY "${TIME_INDEX}"` : "";
  const where = whereClause(db, filter, p, windowBound(p, searchedFrom));
  const rows = await db.$queryRawUnsafe<{ time: unknown }[]>(`SELECT "time" FROM "AuditEvent"${hint} ${where} ORDER BY ${order} ${dir} LIMIT 1`, ...p.values);
  return rows[0] ? toDate(rows[0].time) : undefined;
}

/** `list[i]` for an index computed from the bucket count (buckets and their n + 1 edges), so always in range. */
function nth<T>(list: readonly T[], i: number): T {
  const item = list[i];
  if (item === undefined) throw new Error(`audit chart: index ${i} out of range (${list.length} items)`);
  return item;
}

const windowBound = (p: SqlParams, searchedFrom: number | undefined) => (searchedFrom === undefined ? [] : [`"seq" >= ${p.add(searchedFrom)}`]);

interface Counts {
  b: unknown;
  allowed: unknown;
  denied: unknown;
  failed: unknown;
  total: unknown;
}

export async function auditChart(db: Db, filter: AuditFilter, opts: { maxBuckets?: number; searchWindow?: number } = {}): Promise<AuditChart | null> {
  const pg = isPostgres(db);
  // A reason search counts the newest SEARCH_WINDOW entries only (query.ts, windowed).
  const searchedFrom = filter.q && !narrow(filter) ? Math.max(1, (await topSeq(db)) + 1 - (opts.searchWindow ?? SEARCH_WINDOW)) : undefined;
  const first = filter.from ?? (await edgeTime(db, filter, searchedFrom, "ASC"));
  const last = filter.to ?? (await edgeTime(db, filter, searchedFrom, "DESC"));
  if (!first || !last) return null;
  const step = bucketStep(Math.max(0, last.getTime() - first.getTime()), opts.maxBuckets);
  const origin = Math.floor(first.getTime() / step) * step;
  const n = Math.max(1, Math.floor((last.getTime() - origin) / step) + 1);
  const buckets: ChartBucket[] = Array.from({ length: n }, (_, i) => ({ start: new Date(origin + i * step), allowed: 0, denied: 0, failed: 0, other: 0 }));
  const add = (i: number, r: Counts) => {
    // An entry a little outside the span (times are not strictly in seq order) joins the edge bucket.
    const bucket = nth(buckets, Math.min(n - 1, Math.max(0, Math.floor(i))));
    const [allowed = 0, denied = 0, failed = 0, total = 0] = [r.allowed, r.denied, r.failed, r.total].map((v) => Number(v ?? 0));
    bucket.allowed += allowed;
    bucket.denied += denied;
    bucket.failed += failed;
    bucket.other += total - allowed - denied - failed;
  };
  const sums = `SUM(CASE WHEN "outcome" = 'success' THEN 1 ELSE 0 END) AS "allowed", SUM(CASE WHEN "outcome" = 'denied' THEN 1 ELSE 0 END) AS "denied", SUM(CASE WHEN "outcome" = 'failure' THEN 1 ELSE 0 END) AS "failed", COUNT(*) AS "total"`;

  if (!narrow(filter) && !filter.q) {
    await denseCounts(db, filter, origin, step, buckets);
  } else {
    // One GROUP BY over the rows a column's index finds (a user's, an agent's, a grant's, or one
    // search window): PostgreSQL hashes the groups, SQLite sorts them.
    const p = new SqlParams(pg);
    // Parameters in the order they appear in the text (SQLite binds `?` by position).
    const bucketOf = pg
      ? `FLOOR((EXTRACT(EPOCH FROM "time")::float8 * 1000 - ${p.add(origin)}::float8) / ${p.add(step)}::float8)::int`
      : `CAST(("time" - ${p.add(origin)}) / ${p.add(step)} AS INTEGER)`;
    const where = whereClause(db, filter, p, windowBound(p, searchedFrom));
    const rows = await db.$queryRawUnsafe<Counts[]>(`SELECT ${bucketOf} AS "b", ${sums} FROM "AuditEvent" ${where} GROUP BY 1`, ...p.values);
    for (const r of rows) add(Number(r.b), r);
  }
  const total = buckets.reduce((s, b) => s + b.allowed + b.denied + b.failed + b.other, 0);
  return { from: new Date(origin), to: new Date(origin + n * step), bucketMs: step, buckets, total, searchedFrom };
}

const OUTCOME_INDEX = "AuditEvent_outcome_seq_idx";
const TYPE_OUTCOME_INDEX = "AuditEvent_type_outcome_seq_idx";
const OUTCOMES = ["success", "denied", "failure", "info"] as const;
const COUNTS_PER_QUERY = 400;
/** The chart's series, by the outcome stored. */
const SERIES_OF = { success: "allowed", denied: "denied", failure: "failed", info: "other" } as const;

/**
 * The whole trail, or a time range of it, or one outcome, or some event types: no row is read. Entries are numbered
 * without gaps in the order they were appended (a gap is a deletion that verification names,
 * docs/audit.md "Verification"), and appended in time order, so a bucket is the seq range
 * between the first entries at or after its two edges (one lookup each in the time index), and
 * its size is the difference of the two. Per outcome, a count of that seq range in the
 * (outcome, seq) index; "allowed" is what the other three leave. For event types, a count of
 * the seq range per type and outcome in the (type, outcome, seq) index. Entries whose clocks
 * disagreed by a few milliseconds may land in the bucket beside their own.
 */
async function denseCounts(db: Db, filter: AuditFilter, origin: number, step: number, buckets: ChartBucket[]): Promise<void> {
  const pg = isPostgres(db);
  const n = buckets.length;
  // Two subqueries: SQLite answers MIN or MAX alone from the index end, both at once by a scan.
  const edges = await db.$queryRawUnsafe<{ lo: unknown; hi: unknown }[]>(`SELECT (SELECT MIN("seq") FROM "AuditEvent") AS "lo", (SELECT MAX("seq") FROM "AuditEvent") AS "hi"`);
  const lo = Number(edges[0]?.lo ?? 1);
  const end = Number(edges[0]?.hi ?? 0) + 1;
  // The time at each edge: the filter's own bounds outside, bucket starts inside (`to` is inclusive).
  const times: (number | null)[] = Array.from({ length: n + 1 }, (_, i) => (i === 0 ? (filter.from?.getTime() ?? null) : i === n ? (filter.to ? filter.to.getTime() + 1 : null) : origin + i * step));
  const p = new SqlParams(pg);
  const hint = pg ? "" : ` INDEXED BY "${TIME_INDEX}"`;
  const lookups = times.flatMap((t, i) => {
    if (t === null) return [];
    const value = p.add(timeValue(pg, new Date(t)));
    const at = pg ? `${value}::timestamp` : value;
    return [`SELECT ${i} AS "i", (SELECT "seq" FROM "AuditEvent"${hint} WHERE "time" >= ${at} ORDER BY "time" ASC LIMIT 1) AS "s"`];
  });
  const found = new Map<number, number>();
  if (lookups.length) for (const r of await db.$queryRawUnsafe<{ i: unknown; s: unknown }[]>(lookups.join(" UNION ALL "), ...p.values)) found.set(Number(r.i), r.s === null ? end : Number(r.s));
  const seqs: number[] = [];
  for (let i = 0; i <= n; i++) seqs.push(Math.max(seqs[i - 1] ?? lo, times[i] === null ? (i === 0 ? lo : end) : (found.get(i) ?? end)));

  // Without a type, "allowed" is the bucket's size less the other outcomes; with types, every
  // outcome is counted (the bucket's size counts other types too).
  const types = filter.types?.length ? filter.types : null;
  const outcomes = filter.outcome ? [filter.outcome] : types ? OUTCOMES : (["denied", "failure", "info"] as const);
  const hintFor = (index: string) => (pg ? "" : ` INDEXED BY "${index}"`);
  const terms = buckets.flatMap((_, i) => (nth(seqs, i + 1) > nth(seqs, i) ? outcomes.flatMap((o) => (types ?? [null]).map((type) => ({ i, o, type }))) : []));
  const subtract = !filter.outcome && !types;
  if (subtract) buckets.forEach((b, i) => (b.allowed = nth(seqs, i + 1) - nth(seqs, i)));
  // SQLite allows 500 terms in one compound SELECT (SQLITE_MAX_COMPOUND_SELECT): several types
  // over 60 buckets and 4 outcomes take more, so the counts go in batches.
  for (let at = 0; at < terms.length; at += COUNTS_PER_QUERY) {
    const q = new SqlParams(pg);
    const text = terms
      .slice(at, at + COUNTS_PER_QUERY)
      .map(({ i, o, type }) => {
        // Built in text order: SQLite binds its `?` parameters by position.
        const label = q.add(o);
        const byType = type === null ? "" : `"type" = ${q.add(type)} AND `;
        const index = type === null ? OUTCOME_INDEX : TYPE_OUTCOME_INDEX;
        return `SELECT ${i} AS "i", ${label} AS "o", COUNT(*) AS "c" FROM "AuditEvent"${hintFor(index)} WHERE ${byType}"outcome" = ${q.add(o)} AND "seq" >= ${q.add(nth(seqs, i))} AND "seq" < ${q.add(nth(seqs, i + 1))}`;
      })
      .join(" UNION ALL ");
    for (const r of await db.$queryRawUnsafe<{ i: unknown; o: string; c: unknown }[]>(text, ...q.values)) {
      const b = nth(buckets, Number(r.i));
      const c = Number(r.c);
      b[SERIES_OF[r.o as keyof typeof SERIES_OF]] += c;
      if (subtract) b.allowed -= c;
    }
  }
}
