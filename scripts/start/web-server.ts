// The web app's HTTP server: Next.js behind a plain Node server, which is the only place that
// sees the socket's peer address. Before Next.js gets a request, the server derives the
// client's address (lib/auth/client-ip.ts, TRUST_PROXY) and stamps it in a header of its own,
// replacing any copy the client sent, so per-address limits cannot be dodged by sending
// X-Forwarded-For. The machine-to-machine endpoints (token, introspection, revocation, JWKS,
// metadata, the messaging API's send) are then answered without Next.js by the same handlers
// their route files export (./listener.ts, ./fast-path.ts, lib/machine-routes.ts), and token
// issuances are committed on a write thread (lib/oauth/tokens/issuance-thread.ts); on SQLite,
// WAL checkpoints run on a thread of their own (lib/db/wal-checkpointer.ts). Started by
// scripts/start.ts (`npm start`, `npm run dev`).
//
// It also owns the process's life as one instance among several (docs/deployment.md): it runs
// the background tasks, campaigning for the singleton ones (lib/leader), and on SIGTERM turns
// readiness red, waits SHUTDOWN_DRAIN_MS for the load balancer to notice, stops accepting,
// gives in-flight requests up to SHUTDOWN_TIMEOUT_MS, gives up leadership and exits 0.
import { createServer } from "node:http";
import next from "next";
import { startBackgroundTasks } from "../../lib/background";
import { loadConfig } from "../../lib/config";
import { db } from "../../lib/db";
import { startWalCheckpointer } from "../../lib/db/wal-checkpointer";
import { instanceState } from "../../lib/instance";
import { createLeaderElection } from "../../lib/leader";
import { MACHINE_ROUTES } from "../../lib/machine-routes";
import { forgetClientsOnRevocation } from "../../lib/oauth/clients/cache";
import { startIssuanceThread } from "../../lib/oauth/tokens/issuance-thread";
import { keepIdleConnections } from "../../lib/http/keep-alive";
import { createRequestListener } from "./listener";

const dev = process.argv.includes("--dev");
const cfg = loadConfig();
const app = next({ dev, hostname: cfg.bindHost, port: cfg.port });
const handle = app.getRequestHandler();
await app.prepare();
// The host Next.js puts in request URLs in a custom server: its own hostname and port.
const host = `${cfg.bindHost.includes(":") ? `[${cfg.bindHost}]` : cfg.bindHost}:${cfg.port}`;

const state = instanceState();
const election = createLeaderElection(cfg, "web app");
state.election = election;
const stopTasks = startBackgroundTasks(undefined, { election });
// A client or account revoked by another process (the admin CLI, another instance) announces
// "forget everything" (lib/revocation): the client cache of the token endpoint forgets its
// entries at once instead of after their 1 s (lib/oauth/clients/cache.ts).
const revocations = forgetClientsOnRevocation(cfg.databaseUrl, `web ${cfg.scale.instanceName}`);

// The token endpoint answered here commits its issuances on a thread of its own, so the event
// loop keeps parsing, authenticating and signing meanwhile (lib/db/write-thread.ts).
const issuanceThread = cfg.webFastPath ? startIssuanceThread(db()) : undefined;
// On SQLite, WAL checkpoints run on a thread of their own instead of inside some request's COMMIT.
const checkpointer = startWalCheckpointer(cfg.databaseUrl);

const listener = createRequestListener({ trustProxy: cfg.trustProxy, host, routes: cfg.webFastPath ? MACHINE_ROUTES : undefined, next: handle });
const server = createServer((req, res) => {
  // While shutting down, every answer closes its connection, so clients reconnect elsewhere.
  if (state.draining) res.setHeader("Connection", "close");
  listener(req, res);
});
keepIdleConnections(server);
if (dev) {
  const upgrade = app.getUpgradeHandler();
  server.on("upgrade", (req, socket, head) => void upgrade(req, socket, head));
}
server.listen(cfg.port, cfg.bindHost, () => console.log(`web app ${cfg.scale.instanceName} listening on http://${cfg.bindHost}:${cfg.port}`));

async function shutdown(signal: "SIGINT" | "SIGTERM"): Promise<void> {
  if (state.draining) return;
  state.draining = true;
  const { shutdownDrainMs, shutdownTimeoutMs, instanceName } = cfg.scale;
  // Ctrl-C at a terminal means now; SIGTERM comes from an orchestrator that balances traffic.
  const drain = signal === "SIGTERM" ? shutdownDrainMs : 0;
  console.log(`web app ${instanceName}: ${signal} received; readiness is red, closing in ${drain} ms`);
  setTimeout(() => process.exit(1), drain + shutdownTimeoutMs + 5_000).unref();
  await new Promise((r) => setTimeout(r, drain));
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([closed, new Promise((r) => (timer = setTimeout(r, shutdownTimeoutMs)))]);
  clearTimeout(timer);
  server.closeAllConnections();
  // The work first, then the offices: the next leader must not overlap this one's last pass.
  await stopTasks();
  await issuanceThread?.stop();
  await checkpointer?.stop();
  await revocations.stop();
  await election.stop();
  await app.close().catch(() => undefined);
  await db().$disconnect().catch(() => undefined);
  console.log(`web app ${instanceName}: stopped`);
  process.exit(0);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void shutdown(signal).catch(() => process.exit(1)));
