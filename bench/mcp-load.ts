// The MCP server alone under load, with a CPU profile and a count of its SQL statements per
// call: `npx tsx bench/mcp-load.ts [calls]` (default 400 per tool; BENCH_DATABASE_URL=
// postgresql://… for PostgreSQL; BENCH_CONNECTIONS, default 32). A fixed number of calls
// rather than a fixed time, so CPU per call stays comparable on a machine shared with others.
//
// Three processes on one migrated database, as in production: this one (autocannon), the
// MCP server (mcp-server/server.ts, as main.ts starts it) and a peer serving the integration
// tests' stand-in issuer (metadata, JWKS, RFC 8693 token exchange) and the real messaging API
// handlers. bench:compare measures the full product; this isolates the MCP server's own cost.
// Profiles and counts are written to tmp/bench-mcp/ (bench/peers/profile-preload.cjs).
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { readFileSync, renameSync } from "node:fs";
import { decodeJwt } from "jose";
import { createDb } from "../lib/db/client";
import { mcpRuntime } from "../lib/mcp-ports";
import { createMessagingApiContext } from "../lib/messaging/api/context";
import { handlePostMessage } from "../lib/messaging/api/post-message";
import { sandboxProvider } from "../lib/messaging/providers/sandbox";
import { makeGrant, testDeps } from "../lib/messaging/test-fixtures";
import { JwksCache } from "../lib/resource-server/jwks-cache";
import { startTestIssuer } from "../lib/resource-server/test-issuer";
import { serveWeb } from "../mcp-server/http/node-adapter";
import { startMcpServer } from "../mcp-server/server";
import { MCP_CLIENT_SECRET, MCP_RESOURCE } from "../mcp-server/test-stack";
import { testDatabases } from "../tests/harness/databases";
import autocannon from "autocannon";
import { cpuMs } from "./load";

const role = process.env.BENCH_MCP_ROLE;
const calls = Number(process.argv[2] ?? 400);
const RECIPIENT = "+15550100123";
const CURRENT = path.resolve("tmp/bench-mcp/current");

function say(obj: unknown): void {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

async function peer(): Promise<void> {
  const db = createDb(process.env.DATABASE_URL!);
  const issuer = await startTestIssuer({ aud: MCP_RESOURCE });
  let handler: (req: Request) => Promise<Response> = async () => new Response(null, { status: 503 });
  const server = serveWeb((req) => handler(req), "http://127.0.0.1");
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  // How many TCP connections the MCP server opened to the messaging API: a pool reuses them.
  let connections = 0;
  server.on("connection", () => connections++);
  process.on("SIGTERM", () => {
    console.error(`messaging API: ${connections} TCP connections accepted`);
    process.exit(0);
  });
  const messagingUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/api/messages`;
  const deps = testDeps(db, { ISSUER_URL: issuer.issuer, MCP_RESOURCE_URL: MCP_RESOURCE, MESSAGING_RESOURCE_URL: messagingUrl });
  const api = createMessagingApiContext(deps, { getKey: new JwksCache({ issuer: issuer.issuer }).getKey, provider: sandboxProvider() });
  handler = (req) => handlePostMessage(req, api);
  issuer.tokenHandler = async (form) => {
    const subject = decodeJwt(form.get("subject_token") ?? "");
    const token = await issuer.mint({ ...subject, aud: form.get("resource"), client_id: "mcp-server", scope: form.get("scope"), act: { sub: "mcp-server", act: { sub: subject.client_id } }, jti: crypto.randomUUID() });
    return { status: 200, body: { access_token: token, token_type: "Bearer", expires_in: 600 } };
  };
  const grant = JSON.parse(process.env.BENCH_GRANT!);
  const token = await issuer.mint({ sub: grant.userId, client_id: grant.clientId, grant_id: grant.grantId, authorization_details: grant.details, aud: MCP_RESOURCE, exp: Math.floor(Date.now() / 1000) + 3600 });
  say({ issuer: issuer.issuer, messagingUrl, token });
}

async function mcp(): Promise<void> {
  const db = createDb(process.env.DATABASE_URL!);
  const env = { ISSUER_URL: process.env.BENCH_ISSUER!, MCP_RESOURCE_URL: MCP_RESOURCE, MESSAGING_RESOURCE_URL: process.env.BENCH_MESSAGING!, MCP_CLIENT_ID: "mcp-server", MCP_CLIENT_SECRET };
  const running = await startMcpServer(mcpRuntime(testDeps(db, env)), { port: 0, host: "127.0.0.1" });
  say({ url: `${running.url}/mcp` });
}

/** `First` is what the child's role says on its first line (say() in peer() and mcp()). */
function child<First>(env: Record<string, string>, preload: boolean): Promise<{ proc: ChildProcess; first: First }> {
  const proc = spawn(process.execPath, ["--import", "tsx", "bench/mcp-load.ts"], {
    env: { ...process.env, ...env, ...(preload ? { NODE_OPTIONS: `--require ${path.resolve("bench/peers/profile-preload.cjs")}` } : {}) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let buf = "";
    proc.stdout!.on("data", (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf("\n");
      if (nl >= 0) resolve({ proc, first: JSON.parse(buf.slice(0, nl)) });
    });
    proc.once("exit", (code) => reject(new Error(`child exited ${code}`)));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  // testDatabases() offers PostgreSQL only when TEST_DATABASE_URL names it.
  if (process.env.BENCH_DATABASE_URL) process.env.TEST_DATABASE_URL = process.env.BENCH_DATABASE_URL;
  const target = process.env.BENCH_DATABASE_URL ? testDatabases().find((d) => d.name === "postgresql")! : testDatabases()[0];
  const db = await target.open();
  const grant = await makeGrant(db, { maxMessages: 10_000, recipients: [RECIPIENT] });
  const url = target.url();
  const p = await child<{ issuer: string; messagingUrl: string; token: string }>({ BENCH_MCP_ROLE: "peer", DATABASE_URL: url, BENCH_GRANT: JSON.stringify(grant) }, false);
  const m = await child<{ url: string }>({ BENCH_MCP_ROLE: "mcp", DATABASE_URL: url, BENCH_ISSUER: p.first.issuer, BENCH_MESSAGING: p.first.messagingUrl, PROFILE_OUT: CURRENT }, true);
  const headers = { "Content-Type": "application/json", Accept: "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18", Authorization: `Bearer ${p.first.token}` };
  const call = (name: string, args: Record<string, unknown>) => JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } });
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
  const rows: string[] = [];
  for (const [name, body] of [
    ["send_message", call("send_message", { to: RECIPIENT, body: "Benchmark message" })],
    ["describe_grant", call("describe_grant", {})],
  ] as const) {
    // One good call before the load (the first may time out on a busy machine while the peer warms up).
    for (let attempt = 1; ; attempt++) {
      const check = await fetch(m.first.url, { method: "POST", headers, body });
      const text = await check.text();
      if (check.ok && !text.includes('"isError":true')) break;
      if (attempt === 5) throw new Error(`${name}: ${check.status} ${text.slice(0, 300)}`);
      await sleep(2000);
    }
    const fire = (amount: number) => autocannon({ url: m.first.url, method: "POST", headers, body, connections, amount, timeout: 60 });
    await fire(Math.min(100, calls)); // warm-up: JIT, caches, connection pools
    m.proc.kill("SIGUSR2");
    await sleep(500);
    const cpu = { mcp: cpuMs(m.proc.pid!), peer: cpuMs(p.proc.pid!) };
    const started = performance.now();
    const result = await fire(calls);
    const wall = (performance.now() - started) / 1000;
    const ok = result["2xx"];
    const perCall = (pid: number, before: number) => ((cpuMs(pid) - before) / Math.max(ok, 1)).toFixed(2);
    const mcpCpu = perCall(m.proc.pid!, cpu.mcp);
    const peerCpu = perCall(p.proc.pid!, cpu.peer);
    m.proc.kill("SIGUSR2");
    await sleep(3000);
    const counts = JSON.parse(readFileSync(`${CURRENT}.json`, "utf8")) as { statements: number };
    rows.push(`| ${name} | ${target.name} | ${ok} | ${result.non2xx + result.errors + result.timeouts} | ${(ok / wall).toFixed(0)} | ${result.latency.p50} | ${result.latency.p99} | ${mcpCpu} | ${peerCpu} | ${(counts.statements / Math.max(ok, 1)).toFixed(2)} |`);
    for (const ext of [".json", ".cpuprofile"]) renameSync(`${CURRENT}${ext}`, path.resolve(`tmp/bench-mcp/${name}-${target.name}${ext}`));
  }
  console.log(`| tool | db | 2xx | other | req/s | p50 ms | p99 ms | MCP CPU ms/call | peer CPU ms/call | MCP SQL statements/call |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|`);
  for (const r of rows) console.log(r);
  m.proc.kill();
  p.proc.kill();
  await target.close();
}

if (role === "peer") await peer();
else if (role === "mcp") await mcp();
else await main();
