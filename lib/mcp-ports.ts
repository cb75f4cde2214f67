// The MCP server's composition root: its configuration, its clock and its ports
// (lib/resource-server/ports.ts), each built over the shared database from the app container.
// mcp-server/ only calls mcpRuntime(); it never holds the database handle or the container
// (docs/architecture.md, "Processes, ports and data ownership"). Another store behind a port
// means another adapter here, not a change in mcp-server/.
import type { AppConfig } from "./config";
import { appDeps, type Deps } from "./deps";
import { dbMessageLog } from "./messaging/message-log";
import { dbReplayStore, type ReplayStore } from "./oauth/dpop/replay";
import { dbAuditLog, dbExtensionRequests, dbGrantStatus, dbReadiness, dbRevocationFeed } from "./resource-server/db-ports";
import type { AuditLog, ExtensionRequests, GrantStatusSource, MessageLog, Readiness, RevocationFeed } from "./resource-server/ports";

/** The purpose under which the MCP server records DPoP proof jtis (SeenJti keys), apart from the issuer's and the messaging API's. */
export const MCP_DPOP_REPLAY_PURPOSE = "dpop:mcp";

export interface McpPorts {
  /** The verifier's one piece of shared state: DPoP proof jtis seen (RFC 9449 section 11.1). */
  replay: ReplayStore;
  grantStatus: GrantStatusSource;
  /** In-call consent requests (grant side). */
  extensions: ExtensionRequests;
  audit: AuditLog;
  /** The messages sent under a grant (messaging side). */
  messaging: MessageLog;
  readiness: Readiness;
  revocations: RevocationFeed;
  /** Releases what the adapters hold (the database connection), at shutdown. */
  close(): Promise<void>;
}

export interface McpRuntime {
  config: AppConfig;
  now: () => Date;
  ports: McpPorts;
}

/** The process's runtime (main.ts), or a test's over its own database, configuration and clock. */
export function mcpRuntime(deps: Deps = appDeps()): McpRuntime {
  const { db, config, now } = deps;
  return {
    config,
    now,
    ports: {
      replay: dbReplayStore(db, MCP_DPOP_REPLAY_PURPOSE),
      grantStatus: dbGrantStatus(db),
      extensions: dbExtensionRequests(db),
      audit: dbAuditLog(db),
      messaging: dbMessageLog(db),
      readiness: dbReadiness(db),
      revocations: dbRevocationFeed(db, config.databaseUrl),
      close: () => db.$disconnect(),
    },
  };
}
