// `npm start` / `npm run dev`: one command for the whole system. It builds the web app when
// the build is missing or stale, applies pending migrations, starts the web app (issuer) and
// the MCP server, waits until both are ready, and stops both on Ctrl-C or SIGTERM.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { ConfigError, loadConfig, type AppConfig } from "../lib/config";
import { ensureFreshBuild } from "./start/build";
import { prepareDatabase } from "./start/database";
import { waitForReady } from "./start/ready";
import { errorMessage } from "../lib/error-message";

const dev = process.argv.includes("--dev");

function childEnv(cfg: AppConfig): NodeJS.ProcessEnv {
  return {
    ...process.env,
    // `next start` forces NODE_ENV=production; APP_ENV carries the real mode to both processes.
    APP_ENV: cfg.mode,
    DATA_DIR: cfg.dataDir,
    DATABASE_URL: cfg.databaseUrl,
    NEXT_TELEMETRY_DISABLED: "1",
  };
}

// Next.js runs inside our own HTTP server (scripts/start/web-server.ts), which alone sees the
// socket's peer and so derives the client address for per-address limits.
function startWebApp(cfg: AppConfig): ChildProcess {
  const args = ["--import", "tsx", "scripts/start/web-server.ts", ...(dev ? ["--dev"] : [])];
  const env = { ...childEnv(cfg), NODE_ENV: dev ? ("development" as const) : ("production" as const) };
  return spawn(process.execPath, args, { env, stdio: ["ignore", "inherit", "inherit"] });
}

function startMcpServer(cfg: AppConfig): ChildProcess {
  const args = ["--import", "tsx", ...(dev ? ["--watch"] : []), "mcp-server/main.ts"];
  return spawn(process.execPath, args, { env: childEnv(cfg), stdio: ["ignore", "inherit", "inherit"] });
}

function banner(cfg: AppConfig): string {
  const db = cfg.databaseUrl.startsWith("file:") ? `SQLite at ${cfg.databaseUrl.slice(5)}` : "PostgreSQL (DATABASE_URL)";
  return [
    "",
    `Agent Grants is running${dev ? " (development mode)" : ""}.`,
    `  Web app and issuer:  ${cfg.issuerUrl}`,
    `  Sign in:             ${cfg.issuerUrl}/signin`,
    `  MCP server:          ${cfg.mcpResourceUrl}`,
    `  Database:            ${db}`,
    "",
    "First time? Create an account at " + `${cfg.issuerUrl}/signup, or an admin from another terminal:`,
    "  npm run admin -- create-user you@example.com 'a-long-password' --role admin",
    "Press Ctrl-C to stop.",
    "",
  ].join("\n");
}

async function main() {
  // The same .env that Next.js reads, so both processes see one configuration.
  if (existsSync(".env")) process.loadEnvFile(".env");
  const cfg = loadConfig();
  if (!dev) await ensureFreshBuild();
  await prepareDatabase(cfg);

  const web = startWebApp(cfg);
  const mcp = startMcpServer(cfg);
  const children = [web, mcp];
  let stopping = false;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
    // Each child drains and finishes in-flight work first (docs/deployment.md, "Rolling restarts").
    const grace = cfg.scale.shutdownDrainMs + cfg.scale.shutdownTimeoutMs + 3000;
    const force = setTimeout(() => children.forEach((c) => c.exitCode === null && c.kill("SIGKILL")), grace);
    force.unref();
    Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once("exit", r))))).then(() => process.exit(code));
  };
  process.on("SIGINT", () => stop(0));
  process.on("SIGTERM", () => stop(0));
  for (const [name, child] of [["web app", web], ["MCP server", mcp]] as const) {
    child.once("exit", (code, signal) => {
      if (stopping) return;
      console.error(`The ${name} stopped unexpectedly (${signal ?? `exit code ${code}`}); stopping everything.`);
      stop(1);
    });
  }

  const local = (port: number) => `http://127.0.0.1:${port}`;
  await waitForReady([
    { name: "web app", url: `${local(cfg.port)}/api/health/ready` },
    { name: "MCP server", url: `${local(cfg.mcpPort)}/health/ready` },
  ], () => stopping);
  if (!stopping) console.log(banner(cfg));
}

main().catch((err) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error(`npm start failed: ${errorMessage(err)}`);
  process.exit(1);
});
