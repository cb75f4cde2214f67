// `npm run bench:compare`: the product next to its peers, under the same load, in one run.
//   1. the product as `npm start` runs it (bench/peers/product.ts), with a real user's grant
//      obtained through the authorization flow (bench/peers/product-grant.ts) and a confidential
//      client from `npm run admin -- create-client`;
//   2. a bare MCP SDK server with the same send_message schema (bench/peers/bare-mcp.ts);
//   3. node-oidc-provider issuing ES256 JWT access tokens for client_credentials
//      (bench/peers/oidc-provider.ts).
// Each load runs alone, one after another, with autocannon at BENCH_CONNECTIONS (default 32)
// for BENCH_DURATION seconds (default 10). Sends count the messages the product stored, and
// describe_grant the allowed calls it audited, not their 2xx answers (a refused call is a 200
// with a tool error). BENCH_DATABASE_URL=postgresql://… runs the product on SQLite and then on
// PostgreSQL (a fresh database on that server), so both sets of figures come from one run;
// BENCH_DATABASES=postgresql (or sqlite) keeps one. BENCH_PATHS=token,send,describe,bare,oidc (any subset, default all)
// runs only those loads; BENCH_PROFILE_DIR=<dir> writes a CPU profile of the product's web app
// (or with BENCH_PROFILE_MATCH=mcp-server, of its MCP server) for each product load
// (bench/profile-preload.cjs). Method and figures: docs/benchmarks.md,
// "Side by side".
import { randomBytes } from "node:crypto";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { load, type LoadResult, type Target } from "./load";
import { machine } from "./measure";
import { obtainGrant } from "./peers/product-grant";
import { PRODUCT_LIMITS, startProduct, type Product } from "./peers/product";
import { spawnPeer } from "./peers/spawn";

const settings = { connections: Number(process.env.BENCH_CONNECTIONS ?? 32), durationSeconds: Number(process.env.BENCH_DURATION ?? 10) };
const basePort = Number(process.env.BENCH_PORT ?? 3400);
const databaseUrl = process.env.BENCH_DATABASE_URL;
type ProductDatabase = "SQLite" | "PostgreSQL";
const databases: ProductDatabase[] = (process.env.BENCH_DATABASES ?? (databaseUrl ? "sqlite,postgresql" : "sqlite")).split(",").map((d) => {
  const name = d.trim().toLowerCase();
  if (name === "sqlite") return "SQLite";
  if (name === "postgresql" && databaseUrl) return "PostgreSQL";
  throw new Error(name === "postgresql" ? "BENCH_DATABASES=postgresql needs BENCH_DATABASE_URL=postgresql://…" : `BENCH_DATABASES: unknown database ${d} (known: sqlite, postgresql)`);
});
const RECIPIENT = "+15550100123";
const ALL_PATHS = ["send", "describe", "token", "bare", "oidc"] as const;
type PathName = (typeof ALL_PATHS)[number];
const paths = new Set((process.env.BENCH_PATHS ?? ALL_PATHS.join(",")).split(",").map((p) => p.trim()));
for (const p of paths) if (!(ALL_PATHS as readonly string[]).includes(p)) throw new Error(`BENCH_PATHS: unknown path ${p} (known: ${ALL_PATHS.join(", ")})`);
const runs = (p: PathName) => paths.has(p);
const profileDir = process.env.BENCH_PROFILE_DIR ? path.resolve(process.env.BENCH_PROFILE_DIR) : undefined;
// Only the process the preload listens in may get SIGUSR2: its default action ends a process.
const profileMcp = (process.env.BENCH_PROFILE_MATCH ?? "").includes("mcp-server");

const mcpHeaders = (token?: string): Record<string, string> => ({
  "Content-Type": "application/json",
  Accept: "application/json, text/event-stream",
  "MCP-Protocol-Version": "2025-06-18",
  ...(token ? { Authorization: `Bearer ${token}` } : {}),
});
const toolCall = (name: string, args: Record<string, unknown>) => JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } });
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;
const tokenForm = { "Content-Type": "application/x-www-form-urlencoded" };

/** Rows of one grant in the product's database: messages stored, or tool calls allowed (audited). */
async function countForGrant(product: Product, grantId: string, what: "messages" | "allowed calls" = "messages"): Promise<number> {
  const url = product.env.DATABASE_URL;
  if (!url) throw new Error("the product runs without a DATABASE_URL");
  const sql =
    what === "messages"
      ? 'SELECT COUNT(*) AS n FROM "Message" WHERE "grantId" = '
      : `SELECT COUNT(*) AS n FROM "AuditEvent" WHERE "type" = 'tool.allowed' AND "grantId" = `;
  if (url.startsWith("file:")) {
    const db = new Database(url.slice(5), { readonly: true });
    try {
      return Number((db.prepare(`${sql}?`).get(grantId) as { n: number }).n);
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>(`${sql}$1`, [grantId])).rows[0]?.n);
  } finally {
    await client.end();
  }
}

/** One call before the load, so a broken setup fails loudly instead of measuring error answers. */
async function check(target: Target, what: string): Promise<void> {
  const res = await fetch(target.url, { method: target.method, headers: target.headers, body: target.body });
  const text = await res.text();
  if (!res.ok || text.includes('"isError":true')) throw new Error(`${what}: HTTP ${res.status} ${text.slice(0, 300)}`);
}

interface Row {
  name: string;
  result: LoadResult;
  /** For sends: messages stored during the load; for describe_grant: allowed calls audited. */
  stored?: number;
}
const rows: Row[] = [];

/** With BENCH_PROFILE_DIR, toggles the profiler of this process (bench/profile-preload.cjs). */
const toggleProfile = (pid: number | undefined) => {
  if (profileDir && pid) process.kill(pid, "SIGUSR2");
};

async function run(name: string, target: Target, processes: Record<string, number>, stored?: () => Promise<number>, profiled?: number): Promise<Row> {
  await check(target, name);
  const before = stored ? await stored() : 0;
  console.error(`loading: ${name} (${settings.connections} connections, ${settings.durationSeconds} s)`);
  toggleProfile(profiled);
  const result = await load(target, settings, processes);
  toggleProfile(profiled);
  const row: Row = { name, result, stored: stored ? (await stored()) - before : undefined };
  rows.push(row);
  return row;
}

// 1. The product, on each database.
interface ProductRows {
  database: ProductDatabase;
  send?: Row;
  describe?: Row;
  token?: Row;
}
const products: ProductRows[] = [];
async function runProduct(database: ProductDatabase): Promise<ProductRows> {
  const out: ProductRows = { database };
  const profileEnv: Record<string, string> = profileDir
    ? { BENCH_PROFILE_DIR: profileDir, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${path.resolve("bench/profile-preload.cjs")}`.trim() }
    : {};
  const product = await startProduct(basePort, database === "PostgreSQL" ? databaseUrl : undefined, profileEnv);
  try {
    const processes = { "web app": product.pids.web, "MCP server": product.pids.mcp };
    if (runs("send") || runs("describe")) {
      const email = "bench@example.com";
      const password = randomBytes(18).toString("base64url");
      product.admin("create-user", email, password);
      const grant = await obtainGrant({ issuer: product.issuer, mcpUrl: product.mcpUrl, email, password, recipient: RECIPIENT, maxMessages: 10_000 });
      if (runs("send")) {
        out.send = await run(
          `product send_message (delivered), ${database}`,
          { url: product.mcpUrl, method: "POST", headers: mcpHeaders(grant.accessToken), body: toolCall("send_message", { to: RECIPIENT, body: "Benchmark message" }) },
          processes,
          () => countForGrant(product, grant.grantId),
          profileMcp ? product.pids.mcp : product.pids.web,
        );
      }
      if (runs("describe")) {
        out.describe = await run(
          `product describe_grant, ${database}`,
          { url: product.mcpUrl, method: "POST", headers: mcpHeaders(grant.accessToken), body: toolCall("describe_grant", {}) },
          processes,
          () => countForGrant(product, grant.grantId, "allowed calls"),
          profileMcp ? product.pids.mcp : undefined,
        );
      }
    }
    if (runs("token")) {
      const created = product.admin("create-client", "Benchmark service", "--auth", "client_secret_basic", "--grant-types", "client_credentials", "--scope", "messages:read");
      const clientId = /client_id: (\S+)/.exec(created)?.[1];
      const secret = /client_secret: (\S+)/.exec(created)?.[1];
      if (!clientId || !secret) throw new Error("create-client printed no client_id and secret");
      out.token = await run(
        `product token endpoint (client_credentials), ${database}`,
        {
          url: `${product.issuer}/oauth/token`,
          method: "POST",
          headers: { ...tokenForm, Authorization: basic(clientId, secret) },
          body: new URLSearchParams({ grant_type: "client_credentials", scope: "messages:read", resource: `${product.issuer}/api/messages` }).toString(),
        },
        { "web app": product.pids.web },
        undefined,
        profileMcp ? undefined : product.pids.web,
      );
    }
  } finally {
    await product.peer.stop();
  }
  return out;
}
if (runs("send") || runs("describe") || runs("token")) for (const database of databases) products.push(await runProduct(database));

// 2. The bare MCP SDK server.
let bareSend: Row | undefined;
if (runs("bare")) {
  const bare = await spawnPeer("bench/peers/bare-mcp.ts", { PORT: String(basePort + 2) }, /ready/);
  try {
    bareSend = await run(
      "bare MCP SDK send_message",
      { url: `http://127.0.0.1:${basePort + 2}/mcp`, method: "POST", headers: mcpHeaders(), body: toolCall("send_message", { to: RECIPIENT, body: "Benchmark message" }) },
      { "bare server": bare.child.pid! },
    );
  } finally {
    await bare.stop();
  }
}

// 3. node-oidc-provider.
let oidcToken: Row | undefined;
if (runs("oidc")) {
  const peerClient = { PEER_CLIENT_ID: "bench-client", PEER_CLIENT_SECRET: randomBytes(24).toString("base64url") };
  const oidc = await spawnPeer("bench/peers/oidc-provider.ts", { PORT: String(basePort + 3), ...peerClient }, /ready/);
  try {
    oidcToken = await run(
      "node-oidc-provider token endpoint (client_credentials)",
      {
        url: `http://127.0.0.1:${basePort + 3}/token`,
        method: "POST",
        headers: { ...tokenForm, Authorization: basic(peerClient.PEER_CLIENT_ID, peerClient.PEER_CLIENT_SECRET) },
        body: new URLSearchParams({ grant_type: "client_credentials", scope: "messages:read" }).toString(),
      },
      { "oidc-provider": oidc.child.pid! },
    );
  } finally {
    await oidc.stop();
  }
}

// The report.
const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const rate = (r: Row) => (r.stored ?? r.result.ok) / settings.durationSeconds;
console.log(`\nSide by side: ${settings.connections} connections, ${settings.durationSeconds} s each, one load at a time (${machine()})`);
console.log(`Product databases: ${databases.join(", ")}. Product limits raised for the run: ${Object.entries(PRODUCT_LIMITS).map(([k, v]) => `${k}=${v}`).join(", ")}`);
console.log("| load | 2xx | other | stored | req/s | p50 ms | p99 ms | CPU ms per call |\n|---|---:|---:|---:|---:|---:|---:|---|");
for (const r of rows) {
  const cpu = Object.entries(r.result.cpuMsPerCall).map(([name, ms]) => `${name} ${fmt(ms, 2)}`).join(", ");
  console.log(`| ${r.name} | ${r.result.ok} | ${r.result.failed} | ${r.stored ?? ""} | ${fmt(rate(r))} | ${r.result.p50Ms} | ${r.result.p99Ms} | ${cpu} |`);
}
console.log("req/s: stored messages per second for the product's sends, audited allowed calls per second for describe_grant, 2xx answers per second otherwise.");
const ratio = (label: string, a: Row | undefined, b: Row | undefined) => {
  if (a && b) console.log(`${label}: ${fmt(rate(a) / rate(b), 3)}`);
};
for (const p of products) {
  ratio(`product send_message (${p.database}) / bare send_message`, p.send, bareSend);
  ratio(`product describe_grant (${p.database}) / bare send_message`, p.describe, bareSend);
  ratio(`product token (${p.database}) / node-oidc-provider token`, p.token, oidcToken);
}
if (profileDir) console.log(`Web app CPU profiles (one per product load, in order): ${profileDir} (npx tsx bench/profile-summary.ts <file>)`);
