// The authorization request's checks (OAuth 2.1 section 4.1.1, RFC 9700 section 2.1), in order.
// The first two (client, redirect URI) fail onto a local error page: until both are known to be
// the client's own, redirecting would make us an open redirector (RFC 9700 section 4.11). Every
// later failure redirects back with error, state and iss (RFC 9207).
import type { Deps } from "../../deps";
import { checkRequestedAccess, singleParam, type RequestedAccess } from "../request-params";
import { ClientMetadataError } from "../clients/metadata-document";
import { findClient, type ClientRecord } from "../clients/store";
import { redirectUriMatches } from "../clients/redirect-uri";
import { OAuthError } from "../errors";
import { GRANT_TYPES } from "../supported";

/** An error shown on our own page, never sent to the (unverified) redirect URI. */
export class AuthorizePageError extends Error {
  override name = "AuthorizePageError";
}

export interface ValidatedAuthorization extends RequestedAccess {
  client: ClientRecord;
  redirectUri: string;
  state: string | null;
  codeChallenge: string;
  dpopJkt: string | null;
}

const MAX_STATE_LENGTH = 4096;
const PARAMS = [
  "client_id", "redirect_uri", "response_type", "response_mode", "state", "scope", "code_challenge", "code_challenge_method",
  "resource", "authorization_details", "requested_expiry", "dpop_jkt", "request_uri", "request", "prompt", "nonce",
];

/** Every known parameter may appear at most once (OAuth 2.1 section 3.1): the first one repeated. */
export function repeatedParam(params: URLSearchParams): string | undefined {
  return PARAMS.find((name) => params.getAll(name).length > 1);
}

export async function checkClient(deps: Deps, params: URLSearchParams): Promise<ClientRecord> {
  if (params.getAll("client_id").length > 1) throw new AuthorizePageError("client_id was given more than once.");
  const clientId = params.get("client_id");
  if (!clientId) throw new AuthorizePageError("The request has no client_id.");
  let client: ClientRecord | null;
  try {
    client = await findClient(deps, clientId);
  } catch (err) {
    // Only a metadata document's own problem is shown; anything else (a database error) could
    // carry internals onto the page.
    if (err instanceof ClientMetadataError) throw new AuthorizePageError(`${err.message}.`);
    console.error("authorize: client lookup failed:", err instanceof Error ? err.message : err);
    throw new AuthorizePageError("The client could not be loaded. Try again later.");
  }
  if (!client) throw new AuthorizePageError("The application that sent you here is not registered with this service.");
  if (!client.grantTypes.includes(GRANT_TYPES.authorizationCode)) {
    throw new AuthorizePageError("This application is not registered to sign users in through the browser.");
  }
  return client;
}

/** Exact match against the registered URIs; any port on loopback (RFC 8252 section 7.3). */
export function checkRedirectUri(client: ClientRecord, params: URLSearchParams): string {
  if (params.getAll("redirect_uri").length > 1) throw new AuthorizePageError("redirect_uri was given more than once.");
  const given = params.get("redirect_uri");
  if (!given) {
    // Omitting it is allowed only when there is exactly one to choose (OAuth 2.1 section 2.3.2).
    if (client.redirectUris.length === 1) return client.redirectUris[0];
    throw new AuthorizePageError("The request has no redirect_uri, and the application registered several.");
  }
  if (!client.redirectUris.some((registered) => redirectUriMatches(registered, given))) {
    throw new AuthorizePageError("The redirect_uri is not one that this application registered.");
  }
  return given;
}

export function checkResponseType(params: URLSearchParams): void {
  const type = singleParam(params, "response_type");
  if (!type) throw new OAuthError("invalid_request", "response_type is required");
  if (type !== "code") throw new OAuthError("unsupported_response_type", "only response_type=code is supported");
  const mode = singleParam(params, "response_mode");
  if (mode !== undefined && mode !== "query") throw new OAuthError("invalid_request", "only response_mode=query is supported");
}

/** PKCE with S256 is mandatory (OAuth 2.1 section 4.1.1, RFC 7636 section 4.2-4.3). */
export function checkPkce(params: URLSearchParams): string {
  const challenge = singleParam(params, "code_challenge");
  if (!challenge) throw new OAuthError("invalid_request", "code_challenge is required (PKCE)");
  const method = singleParam(params, "code_challenge_method");
  if (method !== "S256") throw new OAuthError("invalid_request", "code_challenge_method must be S256");
  // BASE64URL(SHA-256(verifier)) is always 43 characters of the base64url alphabet.
  if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) throw new OAuthError("invalid_request", "code_challenge must be 43 base64url characters");
  return challenge;
}

/** RFC 9449 section 10: the JWK thumbprint the code will be bound to. */
export function checkDpopJkt(params: URLSearchParams): string | null {
  const jkt = singleParam(params, "dpop_jkt");
  if (jkt === undefined) return null;
  if (!/^[A-Za-z0-9_-]{43}$/.test(jkt)) throw new OAuthError("invalid_request", "dpop_jkt must be a base64url SHA-256 JWK thumbprint");
  return jkt;
}

export function checkState(params: URLSearchParams): string | null {
  const states = params.getAll("state");
  if (states.length > 1) throw new OAuthError("invalid_request", "state was given more than once");
  if (states[0] !== undefined && states[0].length > MAX_STATE_LENGTH) throw new OAuthError("invalid_request", "state is too long");
  return states[0] ?? null;
}


/** Everything after the client and redirect URI, in order; throws OAuthError (to be redirected). */
export function checkAuthorizationParams(deps: Deps, client: ClientRecord, redirectUri: string, params: URLSearchParams): ValidatedAuthorization {
  const state = checkState(params);
  const repeated = repeatedParam(params);
  if (repeated) throw new OAuthError("invalid_request", `${repeated} was given more than once`);
  if (params.has("request")) throw new OAuthError("invalid_request", "request objects are not supported; use pushed authorization requests");
  checkResponseType(params);
  const codeChallenge = checkPkce(params);
  const what = checkRequestedAccess(params, deps.config, client);
  const dpopJkt = checkDpopJkt(params);
  return { client, redirectUri, state, codeChallenge, dpopJkt, ...what };
}
