// The authorization request's checks (OAuth 2.1 section 4.1.1, RFC 9700 section 2.1), in order.
// The first two (client, redirect URI) fail onto a local error page: until both are known to be
// the client's own, redirecting would make us an open redirector (RFC 9700 section 4.11). Later
// failures redirect back with error, state and iss (RFC 9207), but only for clients that may
// receive error redirects at all (mayRedirectErrors).
import type { Deps } from "../../deps";
import { checkRequestedAccess, singleParam, type RequestedAccess } from "../request-params";
import { ClientMetadataError } from "../clients/metadata-document";
import { findClient } from "../clients/find";
import { clientAllowsGrant, type ClientRecord } from "../clients/store";
import { redirectUriMatches } from "../clients/redirect-uri";
import { OAuthError } from "../errors";
import { GRANT_TYPES } from "../supported";
import { errorMessage } from "../../error-message";

/**
 * Stable codes of the local error page. The page shows the code and our own plain words,
 * never an exception's text: a database error or a fetch error ("connect ECONNREFUSED
 * 10.0.0.5:6379") would tell a visitor about our internals, and for a metadata-document
 * client_id would make the page a port scanner of any host we can reach.
 */
export type AuthorizePageCode =
  | "invalid_request"
  | "invalid_client"
  | "unauthorized_client"
  | "client_metadata_unavailable"
  | "invalid_redirect_uri"
  | "invalid_request_uri"
  | "server_error";

/** An error shown on our own page, never sent to the (unverified) redirect URI. */
export class AuthorizePageError extends Error {
  override name = "AuthorizePageError";
  constructor(
    readonly code: AuthorizePageCode,
    message: string,
    readonly status: 400 | 500 = 400,
  ) {
    super(message);
  }
}

/**
 * Whether errors found after the redirect URI is validated may be redirected to it without
 * the user seeing anything first. RFC 9700 section 4.11.2: an authorization server should
 * redirect errors automatically only to a redirect URI it trusts. A client an operator
 * registered (preregistered, service) has had its redirect URIs vetted; a client that
 * registered itself (dynamic registration, RFC 7591) or whose metadata document names them
 * (kind metadata_document) has proven nothing: anyone can register https://evil.example as a
 * redirect URI and then use our domain to bounce victims there with a malformed request. Such
 * clients get the local error page instead, with a link back to the application that the user
 * has to choose to follow (an interstitial). After the user has seen the consent page, its
 * answers (access_denied) are redirected for every client: the user was involved.
 */
export function mayRedirectErrors(client: ClientRecord): boolean {
  return client.kind === "preregistered" || client.kind === "service";
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
  if (params.getAll("client_id").length > 1) throw new AuthorizePageError("invalid_request", "client_id was given more than once.");
  const clientId = params.get("client_id");
  if (!clientId) throw new AuthorizePageError("invalid_request", "The request has no client_id.");
  let client: ClientRecord | null;
  try {
    client = await findClient(deps, clientId);
  } catch (err) {
    // The details go to the server log only (the client_id is not a secret; JSON-quoted so
    // that it cannot forge log lines). Every metadata-document failure looks the same on the
    // page, whether the host refused, did not resolve, timed out or served something invalid.
    console.error(`authorize: client ${JSON.stringify(clientId.slice(0, 300))} could not be loaded:`, errorMessage(err));
    if (err instanceof ClientMetadataError) {
      throw new AuthorizePageError(
        "client_metadata_unavailable",
        "The application's client metadata document could not be loaded, or it is not valid. Try again later, or tell the application's developer.",
      );
    }
    throw new AuthorizePageError("server_error", "The application could not be looked up. Try again later.", 500);
  }
  if (!client) throw new AuthorizePageError("invalid_client", "The application that sent you here is not registered with this service.");
  if (!clientAllowsGrant(client, GRANT_TYPES.authorizationCode)) {
    throw new AuthorizePageError("unauthorized_client", "This application is not registered to sign users in through the browser.");
  }
  return client;
}

/** Exact match against the registered URIs; any port on loopback for a native client (RFC 8252 section 7.3). */
export function checkRedirectUri(client: ClientRecord, params: URLSearchParams): string {
  if (params.getAll("redirect_uri").length > 1) throw new AuthorizePageError("invalid_redirect_uri", "redirect_uri was given more than once.");
  const given = params.get("redirect_uri");
  if (!given) {
    // Omitting it is allowed only when there is exactly one to choose (OAuth 2.1 section 2.3.2).
    const [only] = client.redirectUris;
    if (client.redirectUris.length === 1 && only !== undefined) return only;
    throw new AuthorizePageError("invalid_redirect_uri", "The request has no redirect_uri, and the application registered several.");
  }
  // Clients registered before application_type was recorded keep the any-port rule they had.
  const anyLoopbackPort = client.metadata.application_type !== "web";
  if (!client.redirectUris.some((registered) => redirectUriMatches(registered, given, { anyLoopbackPort }))) {
    throw new AuthorizePageError("invalid_redirect_uri", "The redirect_uri is not one that this application registered.");
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
