// A scaled-out deployment on this machine, as docs/deployment.md describes it: N web app
// instances and M MCP server instances on one PostgreSQL database, behind Debian's haproxy
// (one frontend for the web app, one for the MCP server). Every instance has the same issuer
// and resource URLs: the proxy's. Used by the topology e2e spec and the scale benchmark.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { loadConfig } from "../lib/config";
import { prepareDatabase } from "../scripts/start/database";

export interface Instance {
  name: string;
  kind: "web" | "mcp";
  port: number;
  /** The instance itself, bypassing the proxy. */
  url: string;
  readyUrl: string;
  child: ChildProcess;
  output: string[];
}

export interface ClusterOptions {
  /** The proxy takes basePort (web) and basePort+1 (MCP); instances the ports after. */
  basePort: number;
  /** PostgreSQL URL of a server where the cluster may create its own database. */
  postgresUrl: string;
  databaseName: string;
  web: number;
  mcp: number;
  env?: Record<string, string>;
}

export interface Cluster {
  issuerUrl: string;
  mcpUrl: string;
  databaseUrl: string;
  env: Record<string, string>;
  web: Instance[];
  mcp: Instance[];
  /** kill -9: no shutdown handler runs, connections drop mid-request. */
  kill(instance: Instance): Promise<void>;
  /** SIGTERM (graceful shutdown); resolves with the exit code. */
  terminate(instance: Instance): Promise<number | null>;
  stop(): Promise<void>;
}

export function haproxyAvailable(): boolean {
  return spawnSync("haproxy", ["-v"], { stdio: "ignore" }).status === 0;
}

function haproxyConfig(o: { webPort: number; mcpPort: number; web: Instance[]; mcp: Instance[] }): string {
  const servers = (list: Instance[], check: string) =>
    list.map((i) => `  server ${i.name} 127.0.0.1:${i.port} check inter 500 fall 3 rise 1\n`).join("") + `  option httpchk GET ${check}\n  http-check expect status 200\n`;
  return `global
  maxconn 4096
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  option redispatch
  retries 2
  # Only a request that never reached an instance is retried: a tool call is not idempotent.
  retry-on conn-failure
frontend web
  bind 127.0.0.1:${o.webPort}
  option forwardfor
  default_backend web
backend web
  balance roundrobin
  http-response set-header X-Served-By %[srv_name]
${servers(o.web, "/api/health/ready")}
frontend mcp
  bind 127.0.0.1:${o.mcpPort}
  option forwardfor
  default_backend mcp
backend mcp
  balance roundrobin
  http-response set-header X-Served-By %[srv_name]
${servers(o.mcp, "/health/ready")}
`;
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 240_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ok = async (url: string) => (await fetch(url, { signal: AbortSignal.timeout(10_000) })).status === 200;

export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  const dir = mkdtempSync(path.join(tmpdir(), "agent-grants-cluster-"));
  const dbUrl = new URL(o.postgresUrl);
  dbUrl.pathname = `/${o.databaseName}`;
  const admin = new pg.Client({ connectionString: o.postgresUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${o.databaseName} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${o.databaseName}`);
  await admin.end();

  const issuerUrl = `http://127.0.0.1:${o.basePort}`;
  const mcpUrl = `http://127.0.0.1:${o.basePort + 1}/mcp`;
  // The settings every instance must share (docs/deployment.md, "Settings that must match").
  const env: Record<string, string> = {
    APP_ENV: "development",
    DATA_DIR: path.join(dir, "data"),
    DATABASE_URL: dbUrl.toString(),
    ISSUER_URL: issuerUrl,
    MCP_RESOURCE_URL: mcpUrl,
    TRUST_PROXY: "1",
    DATABASE_POOL_SIZE: "5",
    LEADER_RETRY_MS: "250",
    SHUTDOWN_DRAIN_MS: "600",
    AUDIT_CHECKPOINT_SECONDS: "1",
    REGISTRATIONS_PER_ADDRESS_PER_HOUR: "1000",
    SIGNIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: "1000",
    TOKEN_AUTH_FAILURES_PER_ADDRESS_PER_MINUTE: "1000",
    AUTHORIZATION_REQUESTS_PER_ADDRESS_PER_MINUTE: "1000",
    METADATA_CLIENTS_PER_ADDRESS_PER_HOUR: "1000",
    ...o.env,
  };
  // Migrations, the service client, and the development secrets file every instance reads.
  await prepareDatabase(loadConfig(env));

  const instances: Instance[] = [];
  const spawnInstance = (kind: Instance["kind"], n: number, port: number): Instance => {
    const name = `${kind}-${n}`;
    const args = kind === "web" ? ["--import", "tsx", "scripts/start/web-server.ts"] : ["--import", "tsx", "mcp-server/main.ts"];
    // Not the test runner's own loader options: each instance starts as an operator would start it.
    const { NODE_OPTIONS: _, ...base } = process.env;
    const child = spawn(process.execPath, args, {
      env: { ...base, ...env, INSTANCE_NAME: name, NEXT_TELEMETRY_DISABLED: "1", ...(kind === "web" ? { PORT: String(port), NODE_ENV: "production" } : { MCP_PORT: String(port) }) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const output: string[] = [];
    const keep = (chunk: Buffer) => output.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    const url = `http://127.0.0.1:${port}`;
    const instance: Instance = { name, kind, port, url, readyUrl: `${url}${kind === "web" ? "/api/health/ready" : "/health/ready"}`, child, output };
    instances.push(instance);
    return instance;
  };
  let port = o.basePort + 2;
  const web = Array.from({ length: o.web }, (_, i) => spawnInstance("web", i + 1, port++));
  const mcp = Array.from({ length: o.mcp }, (_, i) => spawnInstance("mcp", i + 1, port++));

  writeFileSync(path.join(dir, "haproxy.cfg"), haproxyConfig({ webPort: o.basePort, mcpPort: o.basePort + 1, web, mcp }));
  const haproxy = spawn("haproxy", ["-db", "-f", path.join(dir, "haproxy.cfg")], { stdio: ["ignore", "ignore", "pipe"] });
  const haproxyLog: string[] = [];
  haproxy.stderr!.on("data", (c: Buffer) => haproxyLog.push(c.toString("utf8")));

  const kill = async (instance: Instance) => {
    if (instance.child.exitCode !== null || instance.child.signalCode) return;
    const exited = new Promise((r) => instance.child.once("exit", r));
    instance.child.kill("SIGKILL");
    await exited;
  };
  const terminate = async (instance: Instance) => {
    if (instance.child.exitCode !== null || instance.child.signalCode) return instance.child.exitCode;
    const exited = new Promise<number | null>((r) => instance.child.once("exit", (code) => r(code)));
    instance.child.kill("SIGTERM");
    return exited;
  };
  const stop = async () => {
    await Promise.all(
      instances.map(async (i) => {
        if (i.child.exitCode !== null || i.child.signalCode) return;
        const exited = new Promise((r) => i.child.once("exit", r));
        i.child.kill("SIGTERM");
        const timer = setTimeout(() => i.child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }),
    );
    haproxy.kill("SIGTERM");
    const a = new pg.Client({ connectionString: o.postgresUrl });
    await a.connect();
    await a.query(`DROP DATABASE IF EXISTS ${o.databaseName} WITH (FORCE)`).catch(() => undefined);
    await a.end();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const i of instances) {
      await waitFor(async () => {
        if (i.child.exitCode !== null) throw new Error(`${i.name} exited: ${i.output.slice(-5).join(" | ")}`);
        return ok(i.readyUrl);
      }, `${i.name} to be ready`).catch((err: Error) => {
        throw new Error(`${err.message}; its output: ${i.output.slice(-8).join(" | ")}`);
      });
    }
    if (haproxy.exitCode !== null) throw new Error(`haproxy exited: ${haproxyLog.join("")}`);
    // The proxy's health checks see every instance up.
    await waitFor(async () => (await ok(`${issuerUrl}/api/health/ready`)) && (await ok(`http://127.0.0.1:${o.basePort + 1}/health/ready`)), "the proxy");
  } catch (err) {
    await stop();
    throw err;
  }
  return { issuerUrl, mcpUrl, databaseUrl: dbUrl.toString(), env, web, mcp, kill, terminate, stop };
}
