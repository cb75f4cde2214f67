// The MCP server process: `tsx mcp-server/main.ts`, started by `npm start` with the web app's
// environment (same DATABASE_URL, issuer and resource URLs). Stops gracefully on SIGTERM/SIGINT:
// no new connections, in-flight requests finish, then the database is closed.
import { ConfigError } from "@/lib/config";
import { appDeps } from "@/lib/deps";
import { startMcpServer } from "./server";

async function main() {
  const deps = appDeps();
  const running = await startMcpServer(deps);
  console.log(`MCP server listening on ${running.url} (resource ${deps.config.mcpResourceUrl}, stateless Streamable HTTP)`);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`MCP server: ${signal} received, shutting down`);
    const force = setTimeout(() => process.exit(1), 8_000);
    force.unref();
    running
      .stop()
      .then(() => deps.db.$disconnect())
      .then(() => process.exit(0))
      .catch(() => process.exit(1));
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : `MCP server failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
