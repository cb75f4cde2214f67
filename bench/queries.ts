// `npm run bench:queries`: SQL statements and write transactions per call, for the web app's
// hot machine endpoints: a client_credentials token and a messaging API send (accepted and
// delivered through the sandbox provider). Counted at the Prisma driver adapter, so every
// statement is seen, BEGIN and COMMIT included, on SQLite and, with BENCH_DATABASE_URL (or
// TEST_DATABASE_URL), on PostgreSQL. Counts, not timings: docs/benchmarks.md, "Queries per call".
import { createMessagingApiContext } from "../lib/messaging/api/context";
import { handlePostMessage } from "../lib/messaging/api/post-message";
import { sandboxProvider } from "../lib/messaging/providers/sandbox";
import { makeGrant } from "../lib/messaging/test-fixtures";
import { handleToken } from "../lib/oauth/token/handle";
import { createTokenLimits } from "../lib/oauth/token/limits";
import { makeClient } from "../lib/oauth/token/test-fixtures";
import { GRANT_TYPES } from "../lib/oauth/supported";
import { JwksCache } from "../lib/resource-server/jwks-cache";
import { startTestIssuer } from "../lib/resource-server/test-issuer";
import { countingDb, type StatementLog } from "../tests/harness/counting-db";
import { testDatabases } from "../tests/harness/databases";
import { testDeps } from "../tests/harness/test-deps";

if (process.env.BENCH_DATABASE_URL) process.env.TEST_DATABASE_URL = process.env.BENCH_DATABASE_URL;
const CALLS = 20;

const showSql = process.argv.includes("--sql");

async function measure(label: string, log: StatementLog, call: (i: number) => Promise<Response>, expected: number): Promise<string> {
  const warm = await call(-1); // caches (signing key, client, JWKS, grant status) filled once, as in a running server
  if (warm.status !== expected) throw new Error(`${label}: HTTP ${warm.status} ${await warm.text()}`);
  log.reset();
  let last: string[] = [];
  for (let i = 0; i < CALLS; i++) {
    const before = log.statements.length;
    const res = await call(i);
    if (res.status !== expected) throw new Error(`${label}: HTTP ${res.status} ${await res.text()}`);
    if (i === CALLS - 1) last = log.statements.slice(before).map((s) => `  ${s.inTransaction ? "(tx) " : ""}${s.sql.replace(/\s+/g, " ").slice(0, 140)}`);
  }
  const line = `| ${label} | ${(log.statements.length / CALLS).toFixed(1)} | ${(log.transactions / CALLS).toFixed(1)} |`;
  return showSql ? `${line}\n${last.join("\n")}` : line;
}

/** The same, with `concurrency` calls in flight at once (the token endpoint commits concurrent issuances together). */
async function measureConcurrent(label: string, log: StatementLog, call: () => Promise<Response>, expected: number, concurrency: number): Promise<string> {
  log.reset();
  const rounds = 5;
  for (let r = 0; r < rounds; r++) {
    const answers = await Promise.all(Array.from({ length: concurrency }, call));
    const bad = answers.find((res) => res.status !== expected);
    if (bad) throw new Error(`${label}: HTTP ${bad.status} ${await bad.text()}`);
  }
  const calls = rounds * concurrency;
  return `| ${label} | ${(log.statements.length / calls).toFixed(2)} | ${(log.transactions / calls).toFixed(2)} |`;
}

const lines: string[] = [];
for (const target of testDatabases()) {
  const plain = await target.open();
  const url = target.url();
  const { db, log: counts } = countingDb(url);
  try {
    const deps = testDeps(db);
    const client = await makeClient(plain, { secret: "bench-secret-value", grantTypes: [GRANT_TYPES.clientCredentials], scope: "messages:read" });
    const basic = `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString("base64")}`;
    const form = new URLSearchParams({ grant_type: "client_credentials", scope: "messages:read", resource: deps.config.messagingResourceUrl }).toString();
    // Budgets are not what is counted here: many requests of one client run at once below.
    const limits = createTokenLimits({ ...deps.config.limits, tokenRequestsPerClientPerMinute: 1e6, tokenAuthFailuresPerAddressPerMinute: 1e6, tokenAuthFailuresPerClientAndAddressPerMinute: 1e6 });
    const tokenCall = () =>
      handleToken(new Request(`${deps.config.issuerUrl}/oauth/token`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: basic }, body: form }), deps, { limits });
    lines.push(`| ${target.name}: ` + (await measure("token, client_credentials, one at a time", counts, tokenCall, 200)).slice(2));
    lines.push(`| ${target.name}: ` + (await measureConcurrent("token, client_credentials, 32 at once", counts, tokenCall, 200, 32)).slice(2));

    const api = "http://localhost:3000/api/messages";
    const issuer = await startTestIssuer({ aud: api, client_id: "mcp-server", act: { sub: "mcp-server", act: { sub: "agent" } } });
    try {
      const apiDeps = testDeps(db, { issuerUrl: issuer.issuer, messagingResourceUrl: api });
      const ctx = createMessagingApiContext(apiDeps, { getKey: new JwksCache({ issuer: issuer.issuer }).getKey, provider: sandboxProvider() });
      const grant = await makeGrant(plain, { maxMessages: 1000 });
      const token = await issuer.mint({ sub: grant.userId, grant_id: grant.grantId, authorization_details: grant.details });
      lines.push(
        `| ${target.name}: ` +
          (
            await measure(
              "messaging API send (accepted and delivered)",
              counts,
              (i) =>
                handlePostMessage(
                  new Request(api, { method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}`, "Idempotency-Key": `mcp:${i}` }, body: JSON.stringify({ to: "+15550100123", body: `message ${i}` }) }),
                  ctx,
                ),
              201,
            )
          ).slice(2),
      );
    } finally {
      await issuer.close();
    }
  } finally {
    await db.$disconnect();
    await target.close();
  }
}
console.log(`Statements and write transactions per call (mean of ${CALLS} calls after one warm-up call):`);
console.log("| call | statements | transactions |\n|---|---:|---:|");
for (const line of lines) console.log(line);
