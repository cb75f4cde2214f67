// Builds and starts the MCP server: resource-server checks against the issuer's published
// keys, the grant status cache, token exchange, the HTTP listener and the outbox reconciler.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Deps } from "@/lib/deps";
import { providerFromConfig } from "@/lib/messaging/providers";
import { startReconciler } from "@/lib/messaging/reconciler";
import { dbReplayStore, verifyDpopProof } from "@/lib/oauth/dpop";
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
  /** Re-drive the outbox on start and every 30 s (default true). */
  reconciler?: boolean;
  fetch?: typeof fetch;
}

export interface RunningMcpServer {
  url: string;
  server: Server;
  context: McpContext;
  stop(): Promise<void>;
}

export function createMcpContext(deps: Deps, fetchFn: typeof fetch = fetch): McpContext {
  const { config, db } = deps;
  const jwks = new JwksCache({ issuer: config.issuerUrl, fetch: fetchFn });
  const replay = dbReplayStore(db, "dpop:mcp");
  const resourceServer = new ResourceServer({
    issuer: config.issuerUrl,
    resource: config.mcpResourceUrl,
    scopes: MCP_SCOPES,
    getKey: jwks.getKey,
    verifyDpopProof: (proof, o) => verifyDpopProof(proof, { ...o, replay }),
    now: deps.now,
  });
  const exchanger = new TokenExchanger({
    issuer: config.issuerUrl,
    clientId: config.mcpClientId,
    clientSecret: config.mcpClientSecret,
    resource: config.messagingResourceUrl,
    fetch: fetchFn,
  });
  return { deps, resourceServer, grants: new GrantStatusCache(db), exchanger, fetch: fetchFn };
}

export async function startMcpServer(deps: Deps, options: StartOptions = {}): Promise<RunningMcpServer> {
  const context = createMcpContext(deps, options.fetch);
  const host = options.host ?? deps.config.bindHost;
  const port = options.port ?? deps.config.mcpPort;
  const server = serveWeb(createMcpHandler(context), `http://${host.includes(":") ? `[${host}]` : host}:${port}`);
  server.requestTimeout = 60_000;
  server.headersTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const stopReconciler = options.reconciler === false ? () => undefined : startReconciler(deps, providerFromConfig(deps.config.messaging, options.fetch, deps.config.delivery.providerTimeoutMs));
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`,
    server,
    context,
    async stop() {
      stopReconciler();
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
