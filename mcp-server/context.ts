// What the MCP server's request handling needs, built once per process (main.ts) or per test.
// It reaches shared state only through ports (lib/resource-server/ports.ts), built by the
// composition root (lib/mcp-ports.ts); never through the database handle (eslint.config.js).
import type { AppConfig } from "@/lib/config";
import type { Authenticated, ResourceServer } from "@/lib/resource-server/authenticate";
import type { GrantStatusCache } from "@/lib/resource-server/grant-status";
import type { AuditLog, ExtensionRequests, MessageLog, Readiness } from "@/lib/resource-server/ports";
import type { TokenExchanger } from "./downstream/token-exchange";

export interface McpContext {
  config: AppConfig;
  now: () => Date;
  /** The verifier: signature against the issuer's JWKS, claims, DPoP binding (replay through its port). */
  resourceServer: ResourceServer;
  /** Grant status through its port, at most 500 ms stale and told of revocations. */
  grants: GrantStatusCache;
  extensions: ExtensionRequests;
  audit: AuditLog;
  messaging: MessageLog;
  readiness: Readiness;
  exchanger: TokenExchanger;
}

/** One HTTP request's state: who is calling, and whether the audit store failed (fail closed). */
export interface CallState {
  auth: Authenticated;
  auditFailed: boolean;
}
