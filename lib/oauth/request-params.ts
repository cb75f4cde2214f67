// What an agent asks for, read the same way by every endpoint that takes a request: the
// authorization endpoint (OAuth 2.1 section 4.1.1), the CIBA backchannel authentication
// endpoint (CIBA Core section 7.1) and the device authorization endpoint (RFC 8628 section
// 3.1): scope, authorization_details (RFC 9396), resource (RFC 8707) and requested_expiry.
// Each check throws the RFC error code a client can act on.
import type { AppConfig } from "../config";
import { AuthorizationDetailsError, parseAuthorizationDetailsParam, type MessagingDetail } from "../authorization-details";
import { trimTrailingSlashes } from "../http/text";
import { clientAllowsGrant, type ClientRecord } from "./clients/store";
import { OAuthError } from "./errors";
import { SCOPES } from "./supported";

export { readForm } from "./token/form";

export interface RequestedAccess {
  scope: string;
  details: MessagingDetail[];
  resource: string;
  /** Proposed grant lifetime in seconds, capped by the server maximum; null when not asked. */
  requestedExpiry: number | null;
}

/** One value or none; a repeated parameter is an error (RFC 6749 section 3.1). */
export function singleParam(form: URLSearchParams, name: string): string | undefined {
  const values = form.getAll(name);
  if (values.length > 1) throw new OAuthError("invalid_request", `${name} was given more than once`);
  return values[0] === "" ? undefined : values[0];
}

export function checkScope(scope: string | undefined): string {
  const scopes = [...new Set((scope ?? "").split(" ").filter(Boolean))];
  const unknown = scopes.find((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown !== undefined) throw new OAuthError("invalid_scope", `unknown scope ${JSON.stringify(unknown.slice(0, 40))}`);
  return scopes.join(" ");
}

/** RFC 9396 section 5: not a JSON array -> invalid_request; bad entry -> invalid_authorization_details. */
export function checkAuthorizationDetails(param: string | undefined): MessagingDetail[] {
  try {
    return parseAuthorizationDetailsParam(param);
  } catch (err) {
    if (!(err instanceof AuthorizationDetailsError)) throw err;
    throw new OAuthError(err.code === "malformed" ? "invalid_request" : "invalid_authorization_details", err.message);
  }
}

/** RFC 8707: one absolute, known resource; the MCP server when none is named. */
export function checkResource(resource: string | undefined, config: AppConfig): string {
  const known = [config.mcpResourceUrl, config.messagingResourceUrl];
  if (resource === undefined) return config.mcpResourceUrl;
  let url: URL;
  try {
    url = new URL(resource);
  } catch {
    throw new OAuthError("invalid_target", "resource must be an absolute URI");
  }
  if (url.hash || resource.includes("#")) throw new OAuthError("invalid_target", "resource must not contain a fragment");
  const normalized = trimTrailingSlashes(resource);
  if (!known.includes(normalized)) throw new OAuthError("invalid_target", "unknown resource");
  return normalized;
}

/**
 * requested_expiry in seconds, capped at `maxSeconds`; null when not asked. What it bounds
 * depends on the flow: the grant's proposed lifetime for /authorize and device requests, the
 * auth_req_id's lifetime for CIBA (CIBA Core section 7.1).
 */
export function checkRequestedExpiry(value: string | undefined, maxSeconds: number): number | null {
  if (value === undefined) return null;
  if (!/^[1-9][0-9]{0,9}$/.test(value)) throw new OAuthError("invalid_request", "requested_expiry must be a positive integer (seconds)");
  return Math.min(Number(value), maxSeconds);
}

/**
 * The request's scope, details, resource and lifetime, with the same rules for every flow.
 * With neither scope nor details the client's registered scope applies (RFC 6749 section
 * 3.3). A `messages:send` request without details becomes an open messaging request: the user
 * must choose recipients on the consent screen, never a silent "any recipient": a grant says
 * exactly what the person approved (docs/threat-model.md).
 * Details without scope imply `messages:send`. Scopes the client did not register are refused.
 */
export function checkRequestedAccess(form: URLSearchParams, config: AppConfig, client: { scope: string | null }): RequestedAccess {
  let scopes = checkScope(singleParam(form, "scope")).split(" ").filter(Boolean);
  let details = checkAuthorizationDetails(singleParam(form, "authorization_details"));
  const resource = checkResource(singleParam(form, "resource"), config);
  const requestedExpiry = checkRequestedExpiry(singleParam(form, "requested_expiry"), config.maxGrantLifetimeSeconds);
  if (!scopes.length && !details.length) scopes = (client.scope ?? "").split(" ").filter(Boolean);
  if (details.length && !scopes.includes("messages:send")) scopes = [...scopes, "messages:send"];
  if (!details.length && scopes.includes("messages:send")) details = [{ type: "messaging", actions: ["send"], recipients: [] }];
  const allowed = client.scope === null ? null : client.scope.split(" ");
  const beyond = allowed && scopes.find((s) => !allowed.includes(s));
  if (beyond) throw new OAuthError("invalid_scope", `this client did not register the scope ${beyond}`);
  if (!scopes.length) throw new OAuthError("invalid_scope", "ask for a scope or authorization_details");
  return { scope: scopes.join(" "), details, resource, requestedExpiry };
}

/** The client must have registered the grant type it is about to use (RFC 7591 section 2; RFC 6749 section 5.2: unauthorized_client). */
export function checkClientGrantType(client: Pick<ClientRecord, "grantTypes">, grantType: string): void {
  if (!clientAllowsGrant(client, grantType)) {
    throw new OAuthError("unauthorized_client", `this client is not registered for the grant type ${grantType.slice(0, 60)}`);
  }
}
