// The product for the side-by-side benchmark (bench/compare.ts): the same launcher as
// `npm start` (scripts/start.ts: web app and issuer, MCP server), started the way the e2e
// stacks are (e2e/start-stack.ts): chosen ports, a fresh data directory, and on PostgreSQL a
// fresh database. The per-client token budget is raised for the run (see PRODUCT_LIMITS).
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { childPids } from "../load";
import { spawnPeer, type Peer } from "./spawn";
import { maintenanceUrl } from "../../tests/harness/databases";

/** Budgets that would otherwise refuse a load test from one client on loopback (.env.example). */
export const PRODUCT_LIMITS: Record<string, string> = {
  TOKEN_REQUESTS_PER_CLIENT_PER_MINUTE: "1000000",
  TOKEN_AUTH_FAILURES_PER_ADDRESS_PER_MINUTE: "1000",
  // A request's failure units are taken before its credentials are checked and given back after
  // (lib/oauth/token/limits.ts), so more than this many requests of one client in flight at once
  // are refused with 429 even though none fails: 32 connections need more than the default 10.
  TOKEN_AUTH_FAILURES_PER_CLIENT_AND_ADDRESS_PER_MINUTE: "1000",
  SIGNIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: "1000",
  AUTHORIZATION_REQUESTS_PER_ADDRESS_PER_MINUTE: "1000",
  REGISTRATIONS_PER_ADDRESS_PER_HOUR: "1000",
};

export interface Product {
  peer: Peer;
  issuer: string;
  mcpUrl: string;
  env: Record<string, string>;
  /** The web app's and the MCP server's process ids (children of the launcher). */
  pids: { web: number; mcp: number };
  admin(...args: string[]): string;
}

async function freshPostgres(url: string): Promise<void> {
  const target = new URL(url);
  const admin = new pg.Client({ connectionString: maintenanceUrl(url) });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${target.pathname.slice(1)} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${target.pathname.slice(1)}`);
  await admin.end();
}

export async function startProduct(port: number, databaseUrl: string | undefined, extraEnv: Record<string, string> = {}): Promise<Product> {
  const dataDir = path.resolve(`tmp/bench-compare-${port}`);
  rmSync(dataDir, { recursive: true, force: true });
  let dbUrl = `file:${path.join(dataDir, "app.db")}`;
  if (databaseUrl) {
    const u = new URL(databaseUrl);
    u.pathname = `/agentgrants_bench_${port}`;
    dbUrl = u.toString();
    await freshPostgres(dbUrl);
  }
  const issuer = `http://localhost:${port}`;
  const mcpUrl = `http://localhost:${port + 1}/mcp`;
  const env = {
    APP_ENV: "development",
    PORT: String(port),
    MCP_PORT: String(port + 1),
    DATA_DIR: dataDir,
    DATABASE_URL: dbUrl,
    ISSUER_URL: issuer,
    MCP_RESOURCE_URL: mcpUrl,
    ...PRODUCT_LIMITS,
    ...extraEnv,
  };
  // The launcher builds the web app first when the build is missing or stale.
  const peer = await spawnPeer("scripts/start.ts", env, /Agent Grants is running/, 15 * 60_000);
  const [web, mcp] = childPids(peer.child.pid!);
  if (web === undefined || mcp === undefined) throw new Error("the launcher did not start its web app and MCP server");
  const admin = (...args: string[]) => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/admin.ts", ...args], { env: { ...process.env, ...env }, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`admin ${args[0]} failed: ${r.stderr}`);
    return r.stdout;
  };
  return { peer, issuer, mcpUrl, env, pids: { web, mcp }, admin };
}
