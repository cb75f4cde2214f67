// OAuth 2.0 Protected Resource Metadata (RFC 9728) for the MCP endpoint: tells a client which
// authorization server to use and what to ask for. Served at the path-inserted well-known URL
// (section 3.1) and at the root, for clients that look there. The resource identifier comes
// from configuration, exactly as tokens carry it in `aud` (no trailing slash).
import type { AppConfig } from "@/lib/config";
import { DPOP_SIGNING_ALGS } from "@/lib/oauth/dpop";
import { trimTrailingSlashes } from "@/lib/http/text";
import { SCOPE_READ, SCOPE_SEND } from "@/lib/messaging/policy";
import { PUBLIC_CORS } from "./origin";

export const MCP_SCOPES = [SCOPE_SEND, SCOPE_READ];

export function protectedResourceMetadata(config: Pick<AppConfig, "issuerUrl" | "mcpResourceUrl">) {
  return {
    resource: config.mcpResourceUrl,
    authorization_servers: [config.issuerUrl],
    scopes_supported: MCP_SCOPES,
    bearer_methods_supported: ["header"],
    dpop_signing_alg_values_supported: [...DPOP_SIGNING_ALGS],
    authorization_details_types_supported: ["messaging"],
    resource_name: "Agent Grants MCP server",
    resource_documentation: `${config.issuerUrl}/`,
  };
}

export function metadataPaths(config: Pick<AppConfig, "mcpResourceUrl">): string[] {
  const path = trimTrailingSlashes(new URL(config.mcpResourceUrl).pathname);
  return [...new Set([`/.well-known/oauth-protected-resource${path}`, "/.well-known/oauth-protected-resource"])];
}

export function metadataResponse(config: Pick<AppConfig, "issuerUrl" | "mcpResourceUrl">, method: string): Response {
  if (method === "OPTIONS") return new Response(null, { status: 204, headers: { ...PUBLIC_CORS, "Access-Control-Allow-Methods": "GET, OPTIONS" } });
  if (method !== "GET" && method !== "HEAD") return new Response(null, { status: 405, headers: { Allow: "GET, HEAD, OPTIONS" } });
  return Response.json(protectedResourceMetadata(config), { headers: { ...PUBLIC_CORS, "Cache-Control": "public, max-age=300" } });
}
