// npm run bench:audit [-- <entries>]
// Seeds a fresh SQLite database (and a fresh PostgreSQL database when BENCH_DATABASE_URL
// names a server) with realistic audit entries (1,000,000 by default), then measures what an
// auditor waits for: the console's first page, filtered pages, reason search, one grant's
// timeline, the events-over-time chart, and a full verification of the chain. Query times are server time (the query
// and row decoding in this process, as the console's server component does it), median of
// five runs after one warm-up.
//   BENCH_DATABASE_URL=postgresql://...   also benchmark PostgreSQL (a temporary database)
//   BENCH_SQLITE_FILE=tmp/bench.db        keep the SQLite file, and reuse it when already seeded
import { randomUUID } from "node:crypto";
import { cpus, loadavg } from "node:os";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { createDb, type Db } from "../lib/db/client";
import { seedAudit } from "../lib/audit/seed";
import { auditChart } from "../lib/audit/chart";
import { queryAudit } from "../lib/audit/query";
import { grantTimeline } from "../lib/audit/timeline";
import { verifyChain } from "../lib/audit/verify";
import { readHead } from "../lib/audit/rows";
import type { AuditFilter } from "../lib/audit/filter";
import { migrateInChild } from "../scripts/audit-migrate";

const entries = Number((process.argv[2] ?? process.env.BENCH_AUDIT_ENTRIES ?? "1000000").replace(/[_,]/g, ""));
const fmtMs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

// Wall time, and this process's CPU time: on a shared machine the wall time includes waiting
// for a core, while SQLite's work (in this process) shows in the CPU time as it would idle.
async function timeIt(fn: () => Promise<unknown>, runs = 5): Promise<{ median: number; max: number; rows: number; cpu: number }> {
  const first = await fn(); // warm-up (statement cache, page cache)
  const times: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
    const used = process.cpuUsage(c);
    cpus.push((used.user + used.system) / 1000);
  }
  times.sort((a, b) => a - b);
  cpus.sort((a, b) => a - b);
  const rows = Array.isArray(first) ? first.length : ((first as { entries?: unknown[] })?.entries?.length ?? 0);
  return { median: times[Math.floor(times.length / 2)] ?? NaN, max: times.at(-1) ?? NaN, rows, cpu: cpus[Math.floor(cpus.length / 2)] ?? NaN };
}

async function sample(db: Db, seq: number) {
  const row = await db.auditEvent.findFirst({ where: { seq: { gte: seq }, grantId: { not: null } }, orderBy: { seq: "asc" } });
  if (!row) throw new Error("no sample row");
  return row;
}

async function benchOne(name: string, url: string): Promise<string[]> {
  console.error(`\n[${name}] migrating ${name === "sqlite" ? url : "(PostgreSQL)"}`);
  migrateInChild(url);
  const db = createDb(url);
  let lastPrint = 0;
  // A kept database (BENCH_SQLITE_FILE) that already holds the entries is measured as it is.
  const reuse = (await readHead(db)).headSeq >= entries;
  const seeded = reuse ? { elapsedMs: NaN } : await seedAudit(db, entries, {
    seed: 42,
    batchSize: 5000,
    onProgress: ({ done, total, elapsedMs }) => {
      if (done === total || performance.now() - lastPrint > 5000) {
        lastPrint = performance.now();
        console.error(`[${name}] seeded ${done.toLocaleString("en-US")} / ${total.toLocaleString("en-US")} in ${fmtMs(elapsedMs)}`);
      }
    },
  });
  // Autovacuum analyzes a table this changed within a minute or so; do it now rather than
  // measure the planner without statistics.
  // VACUUM too: since PostgreSQL 13 autovacuum also vacuums a table that only grew, which sets
  // the visibility map that index-only scans (the chart's range counts) rely on.
  if (name === "postgresql") await db.$executeRawUnsafe(`VACUUM ANALYZE "AuditEvent"`);
  const mid = await sample(db, Math.floor(entries / 2));
  const hourStart = new Date(mid.time.getTime() - 30 * 60_000);
  const hourEnd = new Date(mid.time.getTime() + 30 * 60_000);
  const cases: [string, AuditFilter, { cursor?: number }?][] = [
    ["first page, no filter", {}],
    ["deep page (cursor at the middle)", {}, { cursor: mid.seq }],
    ["by grant", { grantId: mid.grantId! }],
    ["by user", { userId: mid.subjectUserId! }],
    ["by agent", { clientId: mid.clientId! }],
    ["type + outcome (tool.denied, denied)", { types: ["tool.denied"], outcome: "denied" }],
    ["time range (1 hour, mid-chain)", { from: hourStart, to: hourEnd }],
    ["time range (the whole table)", { from: new Date(0), to: new Date(Date.now() + 86_400_000) }],
    ["reason search, common (\"quota\")", { q: "quota" }],
    ["reason search + type (\"unreachable\", message.failed)", { q: "unreachable", types: ["message.failed"] }],
    ["reason search, no match", { q: "no-such-reason-text" }],
  ];
  const lines: string[] = [];
  for (const [label, filter, opts] of cases) {
    const t = await timeIt(() => queryAudit(db, filter, { limit: 50, ...opts }));
    lines.push(`| ${name} | ${label} | ${t.rows} | ${fmtMs(t.median)} | ${fmtMs(t.max)} |`);
    console.error(`[${name}] ${label}: ${fmtMs(t.median)}`);
  }
  // The console's events-over-time chart (lib/audit/chart.ts) for the same kinds of filter.
  const charts: [string, AuditFilter][] = [
    ["chart, no filter (the whole trail)", {}],
    ["chart, outcome denied", { outcome: "denied" }],
    ["chart, type + outcome (tool.denied, denied)", { types: ["tool.denied"], outcome: "denied" }],
    ["chart, time range (1 hour, mid-chain)", { from: hourStart, to: hourEnd }],
    ["chart, by agent", { clientId: mid.clientId! }],
    ["chart, by grant", { grantId: mid.grantId! }],
    ["chart, reason search (\"quota\")", { q: "quota" }],
  ];
  for (const [label, filter] of charts) {
    const t = await timeIt(async () => {
      const c = await auditChart(db, filter);
      return { entries: c?.buckets ?? [] };
    });
    lines.push(`| ${name} | ${label} | ${t.rows} bars | ${fmtMs(t.median)} (CPU ${fmtMs(t.cpu)}) | ${fmtMs(t.max)} |`);
    console.error(`[${name}] ${label}: ${fmtMs(t.median)}`);
  }
  const tl = await timeIt(() => grantTimeline(db, mid.grantId!));
  lines.push(`| ${name} | one grant's timeline | ${tl.rows} | ${fmtMs(tl.median)} | ${fmtMs(tl.max)} |`);
  const cpu0 = process.cpuUsage();
  const v = await verifyChain(db, { databaseUrl: url });
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  if (!v.ok) throw new Error(`verification failed on a freshly seeded chain: ${JSON.stringify(v.problem)}`);
  // Wall time, and this process's CPU time (on a shared machine the two differ).
  lines.push(`| ${name} | full verify (${v.checked.toLocaleString("en-US")} entries) | - | ${fmtMs(v.elapsedMs)} (CPU ${fmtMs(cpuMs)}) | - |`);
  if (!reuse) lines.push(`| ${name} | seeding (${entries.toLocaleString("en-US")} entries) | - | ${fmtMs(seeded.elapsedMs)} | - |`);
  console.error(`[${name}] verify: ${fmtMs(v.elapsedMs)}`);
  await db.$disconnect();
  return lines;
}

async function withPostgres<T>(baseUrl: string, fn: (url: string) => Promise<T>): Promise<T> {
  const name = `bench_audit_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: baseUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  try {
    return await fn(u.toString());
  } finally {
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

const startLoad = loadavg().map((l) => l.toFixed(2)).join(", ");
try {
  if (!Number.isInteger(entries) || entries < 1000) throw new Error("entries must be an integer of at least 1000");
  const dir = path.resolve("tmp/bench-audit");
  mkdirSync(dir, { recursive: true });
  // BENCH_SQLITE_FILE keeps the seeded file (and reuses it on the next run).
  const kept = process.env.BENCH_SQLITE_FILE;
  const file = kept ? path.resolve(kept) : path.join(dir, `${randomUUID()}.db`);
  const rows: string[] = [];
  try {
    rows.push(...(await benchOne("sqlite", `file:${file}`)));
  } finally {
    if (!kept) for (const s of ["", "-wal", "-shm", "-journal"]) rmSync(file + s, { force: true });
  }
  if (process.env.BENCH_DATABASE_URL) rows.push(...(await withPostgres(process.env.BENCH_DATABASE_URL, (url) => benchOne("postgresql", url))));
  // The machine may be shared: the load average says how much of it this run had.
  const load = loadavg().map((l) => l.toFixed(2)).join(", ");
  console.log(`\nAudit benchmark: ${entries.toLocaleString("en-US")} entries; ${cpus().length} cores, ${cpus()[0]?.model ?? "unknown CPU"}; Node ${process.version}; load average at the end ${load} (start ${startLoad})\n`);
  console.log("| database | query | rows | median | max |");
  console.log("|---|---|---|---|---|");
  for (const r of rows) console.log(r);
  process.exit(0);
} catch (err) {
  console.error(`bench:audit: ${(err as Error).message}`);
  process.exit(1);
}
