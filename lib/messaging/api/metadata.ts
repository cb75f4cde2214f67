// The messaging API's protected resource metadata (RFC 9728). Its clients are services that
// obtain tokens by token exchange (the MCP server), so it lists the same issuer and scopes.
import type { AppConfig } from "../../config";
import { DPOP_SIGNING_ALGS } from "../../oauth/dpop/proof";
import { SCOPE_READ, SCOPE_SEND } from "../policy";

export function messagingResourceMetadata(config: Pick<AppConfig, "issuerUrl" | "messagingResourceUrl">) {
  return {
    resource: config.messagingResourceUrl,
    authorization_servers: [config.issuerUrl],
    scopes_supported: [SCOPE_SEND, SCOPE_READ],
    bearer_methods_supported: ["header"],
    dpop_signing_alg_values_supported: [...DPOP_SIGNING_ALGS],
    authorization_details_types_supported: ["messaging"],
    resource_name: "Agent Grants messaging API",
  };
}

/** GET of the metadata at its path-inserted well-known URL, which the API's 401 challenges name. */
export function handleMessagingResourceMetadata(config: Pick<AppConfig, "issuerUrl" | "messagingResourceUrl">): Response {
  return Response.json(messagingResourceMetadata(config), { headers: { "Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=300" } });
}
