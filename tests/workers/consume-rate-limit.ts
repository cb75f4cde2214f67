// Child process for concurrency tests: takes N units from one rate-limit bucket at once and
// prints the results as JSON. Usage: tsx tests/workers/consume-rate-limit.ts <url> <key> <n> <limit>
import { createDb } from "../../lib/db/client";
import { consumeRateLimit } from "../../lib/rate-limit";

const [url, key, n, limit] = process.argv.slice(2);
if (!url || !key || !n || !limit) throw new Error("usage: consume-rate-limit.ts <url> <key> <n> <limit>");
const db = createDb(url);
const now = new Date("2026-11-22T10:00:00.000Z");
const results = await Promise.all(
  Array.from({ length: Number(n) }, () => consumeRateLimit(db, key, { limit: Number(limit), windowSeconds: 60 }, now)),
);
await db.$disconnect();
console.log(JSON.stringify(results.map((r) => ({ allowed: r.allowed, remaining: r.remaining }))));
