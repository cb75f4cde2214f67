// Builds and starts the MCP server from its runtime (configuration, clock and ports, built by
// lib/mcp-ports.ts): resource-server checks against the issuer's published keys, the grant
// status cache (told of revocations as they commit, lib/revocation), token exchange and the
// HTTP listener. Singleton background work, the outbox reconciler among it, belongs to the
// messaging side and runs in the leading web app (lib/background.ts, lib/leader), not here.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { keepIdleConnections } from "@/lib/http/keep-alive";
import { instanceState } from "@/lib/instance";
import type { McpRuntime } from "@/lib/mcp-ports";
import { verifyDpopProof } from "@/lib/oauth/dpop";
import { ResourceServer } from "@/lib/resource-server/authenticate";
import { GrantStatusCache } from "@/lib/resource-server/grant-status";
import { JwksCache } from "@/lib/resource-server/jwks-cache";
import type { McpContext } from "./context";
import { TokenExchanger } from "./downstream/token-exchange";
import { createMcpHandler } from "./http/app";
import { MCP_SCOPES } from "./http/metadata";
import { serveWeb } from "./http/node-adapter";

export interface StartOptions {
  port?: number;
  host?: string;
  /** Subscribe the grant status cache to pushed revocations (default true). */
  revocationPush?: boolean;
  /** For the issuer's keys and token exchange (the messaging call goes through undici, downstream/messaging-client.ts). */
  fetch?: typeof fetch;
}

export interface RunningMcpServer {
  url: string;
  server: Server;
  context: McpContext;
  /** Stops accepting, waits for in-flight requests up to `timeoutMs` (then cuts them), and unsubscribes. */
  stop(timeoutMs?: number): Promise<void>;
}

export function createMcpContext(runtime: McpRuntime, fetchFn: typeof fetch = fetch): McpContext {
  const { config, now, ports } = runtime;
  const jwks = new JwksCache({ issuer: config.issuerUrl, fetch: fetchFn });
  const replay = ports.replay;
  const resourceServer = new ResourceServer({
    issuer: config.issuerUrl,
    resource: config.mcpResourceUrl,
    scopes: MCP_SCOPES,
    getKey: jwks.getKey,
    verifyDpopProof: (proof, o) => verifyDpopProof(proof, { ...o, replay }),
    now,
  });
  const exchanger = new TokenExchanger({
    issuer: config.issuerUrl,
    clientId: config.mcpClientId,
    clientSecret: config.mcpClientSecret,
    resource: config.messagingResourceUrl,
    fetch: fetchFn,
  });
  return {
    config,
    now,
    resourceServer,
    grants: new GrantStatusCache(ports.grantStatus),
    extensions: ports.extensions,
    audit: ports.audit,
    messaging: ports.messaging,
    readiness: ports.readiness,
    exchanger,
  };
}

export async function startMcpServer(runtime: McpRuntime, options: StartOptions = {}): Promise<RunningMcpServer> {
  const context = createMcpContext(runtime, options.fetch);
  const { config } = runtime;
  const host = options.host ?? config.bindHost;
  const port = options.port ?? config.mcpPort;
  const server = serveWeb(createMcpHandler(context), `http://${host.includes(":") ? `[${host}]` : host}:${port}`);
  server.requestTimeout = 60_000;
  server.headersTimeout = 15_000;
  keepIdleConnections(server);
  // While shutting down, every answer closes its connection, so clients reconnect elsewhere.
  server.on("request", (_req, res) => {
    if (instanceState().draining) res.setHeader("Connection", "close");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const listener = options.revocationPush === false ? undefined : runtime.ports.revocations.subscribe(config.scale.instanceName, (e) => context.grants.invalidate(e));
  await listener?.ready;
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`,
    server,
    context,
    async stop(timeoutMs = 10_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      await Promise.race([closed, late]);
      clearTimeout(timer);
      server.closeAllConnections();
      await closed;
      await listener?.stop();
    },
  };
}
