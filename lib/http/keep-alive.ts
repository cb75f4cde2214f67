// How long the web app and the MCP server keep an idle keep-alive connection open.
//
// Node closes one after 5 s by default. A client or proxy that reuses the connection just as the
// server closes it writes its request onto a closing socket and gets a reset (ECONNRESET), which
// it cannot safely retry for a POST such as a token request. The server should therefore be the
// side that waits longest. Proxies are set to 60 s (haproxy's `timeout server` in e2e/cluster.ts,
// the common load-balancer idle timeout), so the server keeps idle connections a little longer
// than that. Shutdown still closes them at once (docs/deployment.md, "Rolling restarts").
import type { Server } from "node:http";

export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export function keepIdleConnections(server: Server): void {
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
}
