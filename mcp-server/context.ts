// What the MCP server's request handling needs, built once per process (main.ts) or per test.
import type { Deps } from "@/lib/deps";
import type { Authenticated, ResourceServer } from "@/lib/resource-server/authenticate";
import type { GrantStatusCache } from "@/lib/resource-server/grant-status";
import type { TokenExchanger } from "./downstream/token-exchange";

export interface McpContext {
  deps: Deps;
  resourceServer: ResourceServer;
  grants: GrantStatusCache;
  exchanger: TokenExchanger;
  fetch: typeof fetch;
}

/** One HTTP request's state: who is calling, and whether the audit store failed (fail closed). */
export interface CallState {
  auth: Authenticated;
  auditFailed: boolean;
}
