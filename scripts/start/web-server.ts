// The web app's HTTP server: Next.js behind a plain Node server, which is the only place that
// sees the socket's peer address. Before Next.js gets a request, the server derives the
// client's address (lib/auth/client-ip.ts, TRUST_PROXY) and stamps it in a header of its own,
// replacing any copy the client sent, so per-address limits cannot be dodged by sending
// X-Forwarded-For. The machine-to-machine endpoints (token, introspection, revocation, JWKS,
// metadata, the messaging API's send) are then answered without Next.js by the same handlers
// their route files export (./listener.ts, ./fast-path.ts, lib/machine-routes.ts). Started by scripts/start.ts
// (`npm start`, `npm run dev`).
import { createServer } from "node:http";
import next from "next";
import { loadConfig } from "../../lib/config";
import { MACHINE_ROUTES } from "../../lib/machine-routes";
import { createRequestListener } from "./listener";

const dev = process.argv.includes("--dev");
const cfg = loadConfig();
const app = next({ dev, hostname: cfg.bindHost, port: cfg.port });
const handle = app.getRequestHandler();
await app.prepare();
// The host Next.js puts in request URLs in a custom server: its own hostname and port.
const host = `${cfg.bindHost.includes(":") ? `[${cfg.bindHost}]` : cfg.bindHost}:${cfg.port}`;

const server = createServer(createRequestListener({ trustProxy: cfg.trustProxy, host, routes: cfg.webFastPath ? MACHINE_ROUTES : undefined, next: handle }));
if (dev) {
  const upgrade = app.getUpgradeHandler();
  server.on("upgrade", (req, socket, head) => void upgrade(req, socket, head));
}
server.listen(cfg.port, cfg.bindHost, () => console.log(`web app listening on http://${cfg.bindHost}:${cfg.port}`));

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    server.close();
    app.close().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 5000).unref();
  });
}
