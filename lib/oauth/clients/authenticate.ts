// Client authentication at the token, revocation, introspection and backchannel endpoints
// (RFC 6749 section 2.3, OAuth 2.1 section 2.4): none (public clients: client_id only),
// client_secret_basic, client_secret_post, private_key_jwt (RFC 7523 section 3). A request
// uses exactly one method, and it must be the one the client registered.
import { hasInvalidCharacters } from "../../http/text";
import { decodeJwt } from "jose";
import { OAuthError } from "../errors";
import { countNewMetadataClient } from "../request-limits";
import type { Deps } from "../../deps";
import { CLIENT_ASSERTION_TYPE } from "../supported";
import { verifyClientAssertion } from "./client-assertion";
import { secretMatches } from "./secrets";
import { cachedClient, loadClientFresh } from "./cache";
import { findClient } from "./find";
import { isMetadataDocumentClientId } from "./metadata-document";
import type { ClientRecord, TokenEndpointAuthMethod } from "./store";

interface Presented {
  method: TokenEndpointAuthMethod;
  clientId: string;
  secret?: string;
  assertion?: string;
}

const BASIC_CHALLENGE = { "WWW-Authenticate": 'Basic realm="oauth", charset="UTF-8"' };

function invalidClient(basicTried: boolean, description = "client authentication failed"): OAuthError {
  return new OAuthError("invalid_client", description, { status: 401, headers: basicTried ? BASIC_CHALLENGE : {} });
}

// RFC 6749 section 2.3.1: the id and secret are form-urlencoded before base64.
function parseBasic(header: string): { clientId: string; secret: string } | null {
  const encoded = /^Basic ([A-Za-z0-9+/=_-]+)$/i.exec(header.trim())?.[1];
  if (!encoded) return null;
  const decoded = Buffer.from(encoded, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  try {
    const unform = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));
    const credentials = { clientId: unform(decoded.slice(0, colon)), secret: unform(decoded.slice(colon + 1)) };
    // Percent-decoding can produce NUL, which PostgreSQL refuses in any query (lib/http/text.ts).
    return hasInvalidCharacters(credentials.clientId) || hasInvalidCharacters(credentials.secret) ? null : credentials;
  } catch {
    return null;
  }
}

function single(form: URLSearchParams, name: string): string | undefined {
  const values = form.getAll(name);
  if (values.length > 1) throw new OAuthError("invalid_request", `${name} was given more than once`);
  return values[0] || undefined;
}

/** Which method the request uses; more than one is an error (OAuth 2.1 section 2.4). */
export function presentedCredentials(req: Request, form: URLSearchParams): Presented {
  const authorization = req.headers.get("authorization");
  const basic = authorization && /^basic /i.test(authorization) ? parseBasic(authorization) : undefined;
  if (basic === null) throw invalidClient(true, "malformed Basic authorization header");
  const formId = single(form, "client_id");
  const formSecret = single(form, "client_secret");
  const assertion = single(form, "client_assertion");
  const assertionType = single(form, "client_assertion_type");
  const methods = [basic, formSecret, assertion].filter(Boolean).length;
  if (methods > 1) throw new OAuthError("invalid_request", "use exactly one client authentication method");
  if (basic) {
    if (formId !== undefined && formId !== basic.clientId) throw new OAuthError("invalid_request", "client_id does not match the Authorization header");
    return { method: "client_secret_basic", clientId: basic.clientId, secret: basic.secret };
  }
  if (assertion) {
    if (assertionType !== CLIENT_ASSERTION_TYPE) throw new OAuthError("invalid_request", `client_assertion_type must be ${CLIENT_ASSERTION_TYPE}`);
    return { method: "private_key_jwt", clientId: formId ?? "", assertion };
  }
  if (!formId) throw invalidClient(false, "client_id is missing");
  if (formSecret) return { method: "client_secret_post", clientId: formId, secret: formSecret };
  return { method: "none", clientId: formId };
}

/** The client an assertion names, unverified: only to count a new metadata document client. */
function unverifiedIssuer(assertion: string | undefined): string | undefined {
  try {
    return assertion ? decodeJwt(assertion).iss : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Authenticates the calling client, or throws `invalid_client` (401). Every endpoint checks a
 * client assertion against the same audience, the issuer identifier (client-assertion.ts).
 */
export async function authenticateClient(req: Request, form: URLSearchParams, deps: Deps): Promise<ClientRecord> {
  const presented = presentedCredentials(req, form);
  await countNewMetadataClient(req, deps, presented.clientId || unverifiedIssuer(presented.assertion));
  if (presented.method === "private_key_jwt") {
    return verifyClientAssertion(deps, presented.assertion!, { claimedClientId: presented.clientId || undefined });
  }
  let fromCache = false;
  let client: ClientRecord | null;
  try {
    // Stored clients through the short cache (cache.ts); metadata-document clients have their own.
    if (isMetadataDocumentClientId(presented.clientId, deps.config)) client = await findClient(deps, presented.clientId);
    else ({ client, fromCache } = await cachedClient(deps.db, presented.clientId));
  } catch {
    client = null; // a metadata document that cannot be fetched authenticates nobody
  }
  try {
    return checkCredentials(client, presented);
  } catch (err) {
    // A cached row never refuses anyone: it may predate a change made by another process (a
    // secret rotated, say), so a refusal is decided on the stored row.
    if (!fromCache) throw err;
    return checkCredentials(await loadClientFresh(deps.db, presented.clientId), presented);
  }
}

function checkCredentials(client: ClientRecord | null, presented: Presented): ClientRecord {
  const basicTried = presented.method === "client_secret_basic";
  if (!client) throw invalidClient(basicTried, "unknown client");
  if (client.tokenEndpointAuthMethod !== presented.method) {
    throw invalidClient(basicTried, `this client authenticates with ${client.tokenEndpointAuthMethod}`);
  }
  if (presented.method !== "none" && !secretMatches(presented.secret!, client.secretHash)) throw invalidClient(basicTried);
  return client;
}
