// The web app's HTTP server: Next.js behind a plain Node server, which is the only place that
// sees the socket's peer address. Before Next.js gets a request, the server derives the
// client's address (lib/auth/client-ip.ts, TRUST_PROXY) and stamps it in a header of its own,
// replacing any copy the client sent, so per-address limits cannot be dodged by sending
// X-Forwarded-For. Started by scripts/start.ts (`npm start`, `npm run dev`).
import { createServer } from "node:http";
import next from "next";
import { loadConfig } from "../../lib/config";
import { refuseMalformedPath } from "./malformed-path";
import { stampClientAddress } from "./stamp";

const dev = process.argv.includes("--dev");
const cfg = loadConfig();
const app = next({ dev, hostname: cfg.bindHost, port: cfg.port });
const handle = app.getRequestHandler();
await app.prepare();

const server = createServer((req, res) => {
  if (refuseMalformedPath(req, res)) return;
  stampClientAddress(req, cfg.trustProxy);
  handle(req, res).catch((err: unknown) => {
    console.error("web server: unexpected error:", err instanceof Error ? err.message : err);
    if (!res.headersSent) res.writeHead(500).end();
  });
});
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
