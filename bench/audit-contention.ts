// How long audited writers hold each other up: BENCH_WRITERS (default 32) concurrent writers,
// each running audited write transactions for BENCH_DURATION seconds (default 5). Every
// transaction does its effect (a grant-status read and BENCH_EFFECT_MS of further work, the
// round trips and reads a real effect has) and appends one entry, as a tool call does.
// Prints transactions per second and the transaction's p50/p99, on SQLite and, with
// BENCH_DATABASE_URL=postgresql://…, on PostgreSQL. `npx tsx bench/audit-contention.ts`
import { appendAudit } from "../lib/audit/append";
import { writeTransaction, type Db } from "../lib/db";
import { makeGrant } from "../lib/messaging/test-fixtures";
import { readGrantStatus } from "../lib/resource-server/grant-status";
import { testDatabases } from "../tests/harness/databases";
import { verifyChain } from "../lib/audit/verify";

const writers = Number(process.env.BENCH_WRITERS ?? 32);
const seconds = Number(process.env.BENCH_DURATION ?? 5);
const effectMs = Number(process.env.BENCH_EFFECT_MS ?? 2);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run(name: string, db: Db): Promise<void> {
  const grant = await makeGrant(db, { maxMessages: null });
  const latencies: number[] = [];
  const end = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      while (Date.now() < end) {
        const t0 = performance.now();
        await writeTransaction(db, async (tx) => {
          await readGrantStatus(tx, grant.grantId, undefined, new Date());
          await sleep(effectMs);
          await appendAudit(tx, { type: "tool.allowed", outcome: "success", actorType: "agent", actorId: `w${w}`, grantId: grant.grantId, details: { tool: "bench" } });
        });
        latencies.push(performance.now() - t0);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const q = (p: number) => (latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN).toFixed(1);
  const verdict = await verifyChain(db);
  console.log(`| ${name} | ${writers} | ${effectMs} | ${(latencies.length / seconds).toFixed(0)} | ${q(0.5)} | ${q(0.99)} | ${verdict.ok ? "intact" : "BROKEN"} |`);
}

console.log("| database | writers | effect ms | tx/s | p50 ms | p99 ms | chain |\n|---|---:|---:|---:|---:|---:|---|");
if (process.env.BENCH_DATABASE_URL) process.env.TEST_DATABASE_URL = process.env.BENCH_DATABASE_URL;
for (const target of testDatabases()) {
  const db = await target.open();
  try {
    await run(target.name, db);
  } finally {
    await target.close();
  }
}
