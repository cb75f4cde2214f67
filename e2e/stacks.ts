// The real systems the e2e tests drive: one per database provider, each a full `npm start`
// (web app + MCP server) on its own ports, data directory and database.
import path from "node:path";

/** The launcher's environment for a stack; the specs read these two settings, always set. */
export type StackEnv = Record<string, string> & { DATA_DIR: string; DATABASE_URL: string };

export interface Stack {
  name: "sqlite" | "postgresql";
  port: number;
  mcpPort: number;
  baseURL: string;
  mcpUrl: string;
  env: StackEnv;
}

/** Settings that make timing-based flows quick to test (short CIBA expiry, 1 s polling). */
const TEST_TUNING: Record<string, string> = {
  CIBA_POLL_INTERVAL_SECONDS: "1",
  CIBA_REQUEST_TTL_SECONDS: "20",
  // Every spec registers its own agents from 127.0.0.1; the limit itself is tested in
  // lib/oauth/clients (the default stays 20 per hour).
  REGISTRATIONS_PER_ADDRESS_PER_HOUR: "1000",
  // Every browser and agent in the e2e run comes from loopback too; these budgets are tested in
  // lib/auth/authenticate.test.ts, lib/oauth/token/limits.test.ts and lib/oauth/request-limits.test.ts
  // (defaults unchanged).
  SIGNIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: "1000",
  TOKEN_AUTH_FAILURES_PER_ADDRESS_PER_MINUTE: "1000",
  AUTHORIZATION_REQUESTS_PER_ADDRESS_PER_MINUTE: "1000",
  METADATA_CLIENTS_PER_ADDRESS_PER_HOUR: "1000",
};

function databaseUrlFor(name: string, base: string): string {
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
}

function stack(name: Stack["name"], port: number, databaseUrl: string | undefined): Stack {
  // Port-specific, so several stacks (parallel checkouts, CI) never share data.
  const dataDir = path.resolve(`tmp/e2e-${name}-${port}`);
  const baseURL = `http://localhost:${port}`;
  const mcpUrl = `http://localhost:${port + 1}/mcp`;
  return {
    name,
    port,
    mcpPort: port + 1,
    baseURL,
    mcpUrl,
    env: {
      APP_ENV: "development",
      PORT: String(port),
      MCP_PORT: String(port + 1),
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl ?? `file:${path.join(dataDir, "app.db")}`,
      ISSUER_URL: baseURL,
      MCP_RESOURCE_URL: mcpUrl,
      ...TEST_TUNING,
    },
  };
}

export function e2eStacks(): Stack[] {
  const stacks = [stack("sqlite", Number(process.env.E2E_PORT ?? 3100), undefined)];
  const pg = process.env.TEST_DATABASE_URL;
  if (pg) stacks.push(stack("postgresql", Number(process.env.E2E_PORT ?? 3100) + 10, databaseUrlFor(`agentgrants_e2e_${Number(process.env.E2E_PORT ?? 3100) + 10}`, pg)));
  return stacks;
}
