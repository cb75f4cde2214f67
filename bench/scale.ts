// `npm run bench:scale`: the scaled-out deployment on PostgreSQL (docs/deployment.md), measured.
//   1. One instance versus two: 1 web + 1 MCP, then 2 web + 2 MCP, each behind haproxy
//      (e2e/cluster.ts), under the same autocannon load of describe_grant and send_message
//      through the proxy (BENCH_CONNECTIONS, default 32; BENCH_DURATION seconds, default 10).
//   2. Revoke-to-deny across instances: for BENCH_TRIALS grants (default 30), two pollers call
//      describe_grant at mcp-2 directly, back to back, while the grant's refresh token is revoked
//      at web-1 (RFC 7009). The figure is the time from the revocation's commit to the first
//      denied answer at mcp-2. The commit happens between the revoke request leaving and its
//      answer arriving, so both bounds are reported.
// Needs BENCH_DATABASE_URL or TEST_DATABASE_URL (a PostgreSQL server where it may create a
// database) and haproxy. Figures: docs/benchmarks.md, "Scale-out".
import { randomBytes } from "node:crypto";
import { haproxyAvailable, startCluster, type Cluster } from "../e2e/cluster";
import { adminCli } from "../e2e/fixtures";
import { load, type LoadResult } from "./load";
import { machine } from "./measure";
import { obtainGrant } from "./peers/product-grant";

const postgresUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
if (!postgresUrl || !haproxyAvailable()) {
  console.error("bench:scale needs BENCH_DATABASE_URL (or TEST_DATABASE_URL) pointing at PostgreSQL, and haproxy (apt-get install haproxy)");
  process.exit(2);
}
const settings = { connections: Number(process.env.BENCH_CONNECTIONS ?? 32), durationSeconds: Number(process.env.BENCH_DURATION ?? 10) };
const trials = Number(process.env.BENCH_TRIALS ?? 30);
const basePort = Number(process.env.BENCH_PORT ?? 3660);
const RECIPIENT = "+15550100123";
const mcpHeaders = (token: string): Record<string, string> => ({
  "Content-Type": "application/json",
  Accept: "application/json, text/event-stream",
  "MCP-Protocol-Version": "2025-06-18",
  Authorization: `Bearer ${token}`,
});
const toolCall = (name: string, args: Record<string, unknown> = {}) => JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } });

async function grantOn(cluster: Cluster, email: string, password: string, maxMessages = 10_000) {
  return obtainGrant({ issuer: cluster.issuerUrl, mcpUrl: cluster.mcpUrl, email, password, recipient: RECIPIENT, maxMessages });
}

async function throughput(instances: number): Promise<{ instances: number; describe: LoadResult; send: LoadResult }> {
  const cluster = await startCluster({ basePort, postgresUrl: postgresUrl!, databaseName: `agentgrants_bench_scale_${instances}`, web: instances, mcp: instances, env: { SHUTDOWN_DRAIN_MS: "0" } });
  try {
    const email = "bench@example.com";
    const password = randomBytes(18).toString("base64url");
    await adminCli(cluster.env, "create-user", email, password);
    const grant = await grantOn(cluster, email, password);
    const pids = Object.fromEntries([...cluster.web, ...cluster.mcp].map((i) => [i.name, i.child.pid!]));
    console.error(`loading: ${instances}+${instances} instances, describe_grant`);
    const describe = await load({ url: cluster.mcpUrl, method: "POST", headers: mcpHeaders(grant.accessToken), body: toolCall("describe_grant") }, settings, pids);
    console.error(`loading: ${instances}+${instances} instances, send_message`);
    const send = await load({ url: cluster.mcpUrl, method: "POST", headers: mcpHeaders(grant.accessToken), body: toolCall("send_message", { to: RECIPIENT, body: "Benchmark message" }) }, settings, pids);
    return { instances, describe, send };
  } finally {
    await cluster.stop();
  }
}

async function revokeToDeny(): Promise<{ lower: number[]; upper: number[] }> {
  const cluster = await startCluster({ basePort, postgresUrl: postgresUrl!, databaseName: "agentgrants_bench_scale_revoke", web: 2, mcp: 2, env: { SHUTDOWN_DRAIN_MS: "0" } });
  const lower: number[] = [];
  const upper: number[] = [];
  try {
    const email = "bench@example.com";
    const password = randomBytes(18).toString("base64url");
    await adminCli(cluster.env, "create-user", email, password);
    const [web1, mcp2] = [cluster.web[0], cluster.mcp[1]];
    if (!web1 || !mcp2) throw new Error("the cluster has fewer than two instances");
    for (let t = 0; t < trials; t++) {
      const grant = await grantOn(cluster, email, password, 10);
      const call = async () => {
        const res = await fetch(`${mcp2.url}/mcp`, { method: "POST", headers: mcpHeaders(grant.accessToken), body: toolCall("describe_grant") });
        const text = await res.text();
        return res.status === 200 && !text.includes('"isError":true');
      };
      if (!(await call())) throw new Error("the grant was not live before its revocation");
      let deniedAt = 0;
      let stop = false;
      const poller = async () => {
        while (!stop) {
          if (!(await call())) {
            deniedAt ||= performance.now();
            stop = true;
          }
        }
      };
      const pollers = [poller(), poller()];
      await new Promise((r) => setTimeout(r, 20));
      const sent = performance.now();
      // The agent revokes its refresh token at web-1, which ends the whole grant (RFC 7009 section 2.1).
      const revoked = await fetch(`${web1.url}/oauth/revoke`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token: grant.refreshToken!, token_type_hint: "refresh_token", client_id: grant.clientId }),
      });
      const answered = performance.now();
      if (revoked.status !== 200) throw new Error(`revocation: HTTP ${revoked.status}`);
      await Promise.race([Promise.all(pollers), new Promise((r) => setTimeout(r, 5000))]);
      stop = true;
      if (!deniedAt) throw new Error("no denial within 5 s");
      lower.push(Math.max(0, deniedAt - answered));
      upper.push(deniedAt - sent);
    }
  } finally {
    await cluster.stop();
  }
  return { lower, upper };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};
const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

const runs = [];
if (!process.argv.includes("--revoke-only")) {
  runs.push(await throughput(1));
  runs.push(await throughput(2));
}
const revoke = await revokeToDeny();

console.log(`\nScale-out on PostgreSQL behind haproxy: ${settings.connections} connections, ${settings.durationSeconds} s per load (${machine()})`);
if (runs.length) {
  console.log("| instances (web + MCP) | load | 2xx | other | req/s | p50 ms | p99 ms |\n|---|---|---:|---:|---:|---:|---:|");
  for (const r of runs) {
    for (const [name, res] of [["describe_grant", r.describe], ["send_message", r.send]] as const) {
      console.log(`| ${r.instances} + ${r.instances} | ${name} | ${res.ok} | ${res.failed} | ${fmt(res.ok / settings.durationSeconds)} | ${res.p50Ms} | ${res.p99Ms} |`);
    }
  }
}
console.log(`\nRevoke-to-deny across instances (revoked at web-1, denied at mcp-2), ${revoke.lower.length} trials:`);
console.log("| measured from | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|");
console.log(`| the revocation's answer (commit happened before) | ${fmt(percentile(revoke.lower, 50), 1)} | ${fmt(percentile(revoke.lower, 99), 1)} | ${fmt(Math.max(...revoke.lower), 1)} |`);
console.log(`| the revocation request (commit happened after) | ${fmt(percentile(revoke.upper, 50), 1)} | ${fmt(percentile(revoke.upper, 99), 1)} | ${fmt(Math.max(...revoke.upper), 1)} |`);
