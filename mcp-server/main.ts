// The MCP server process: `tsx mcp-server/main.ts`, started by `npm start` with the web app's
// environment (same DATABASE_URL, issuer and resource URLs). On SIGTERM it shuts down the way
// docs/deployment.md ("Rolling restarts") describes: readiness turns red, and after
// SHUTDOWN_DRAIN_MS (for the load balancer to notice) it stops accepting, gives in-flight calls
// up to SHUTDOWN_TIMEOUT_MS, gives up any leadership, closes the database and exits 0.
import { ConfigError } from "@/lib/config";
import { instanceState } from "@/lib/instance";
import { createLeaderElection } from "@/lib/leader";
import { mcpRuntime } from "@/lib/mcp-ports";
import { startMcpServer } from "./server";
import { errorMessage } from "@/lib/error-message";

async function main() {
  const runtime = mcpRuntime();
  const { config } = runtime;
  const state = instanceState();
  // Nothing here campaigns today (singleton work runs in the web app); work that must run once
  // per deployment and belongs to this process would call state.election.runAsLeader(...).
  state.election = createLeaderElection(config, "MCP server");
  const running = await startMcpServer(runtime);
  const { shutdownDrainMs, shutdownTimeoutMs, instanceName } = config.scale;
  console.log(`MCP server ${instanceName} listening on ${running.url} (resource ${config.mcpResourceUrl}, stateless Streamable HTTP)`);
  const shutdown = async (signal: string) => {
    if (state.draining) return;
    state.draining = true;
    // Ctrl-C at a terminal means now; SIGTERM comes from an orchestrator that balances traffic.
    const drain = signal === "SIGTERM" ? shutdownDrainMs : 0;
    console.log(`MCP server ${instanceName}: ${signal} received; readiness is red, closing in ${drain} ms`);
    const force = setTimeout(() => process.exit(1), drain + shutdownTimeoutMs + 5_000);
    force.unref();
    await new Promise((r) => setTimeout(r, drain));
    await running.stop(shutdownTimeoutMs);
    await state.election?.stop();
    await runtime.ports.close();
    console.log(`MCP server ${instanceName}: stopped`);
    process.exit(0);
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => void shutdown(signal).catch(() => process.exit(1)));
  }
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : `MCP server failed to start: ${errorMessage(err)}`);
  process.exit(1);
});
