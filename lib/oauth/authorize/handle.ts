// The authorization endpoint (OAuth 2.1 section 4.1.1), GET or POST form. It validates, stores
// the request as a pending AuthorizationRequest and sends the browser to the consent page,
// which handles sign-in. No CORS headers: this is a navigation, not an API (checklist 3).
import { writeTransaction } from "../../db";
import type { Deps } from "../../deps";
import { readOAuthForm, readOAuthQuery } from "../body";
import { OAuthError } from "../errors";
import { countAuthorizationRequest, countNewMetadataClient, isTooManyRequests } from "../request-limits";
import { AuthorizePageError, checkAuthorizationParams, checkClient, checkRedirectUri, mayRedirectErrors } from "./checks";
import { singleParam } from "../request-params";
import { authorizeErrorPage } from "./error-page";
import { errorRedirectUrl, seeOther } from "./redirect";
import { redeemRequestUri, storeAuthorizationRequest } from "./request-store";
import { errorMessage } from "../../error-message";

export function consentUrl(deps: Deps, requestId: string): string {
  return `${deps.config.issuerUrl}/consent/${encodeURIComponent(requestId)}`;
}

async function readParams(req: Request): Promise<URLSearchParams> {
  if (req.method !== "GET" && req.method !== "HEAD" && req.method !== "POST") {
    throw new AuthorizePageError("invalid_request", "The authorization endpoint accepts GET and POST only.");
  }
  try {
    return req.method === "POST" ? await readOAuthForm(req) : readOAuthQuery(req);
  } catch (err) {
    // The body reader's own descriptions (size, content type) are ours, never an exception's text.
    throw new AuthorizePageError("invalid_request", err instanceof OAuthError && err.description ? `${err.description}.` : "The request body could not be read.");
  }
}

/** RFC 9126 section 4: with a request_uri, only the pushed parameters count. */
async function fromPushedRequest(deps: Deps, params: URLSearchParams): Promise<Response> {
  const requestUri = singleParam(params, "request_uri")!;
  const clientId = params.get("client_id");
  if (!clientId || params.getAll("client_id").length > 1) throw new AuthorizePageError("invalid_request", "The request has no client_id.");
  const client = await checkClient(deps, params);
  const row = await writeTransaction(deps.db, (tx) => redeemRequestUri(tx, deps, requestUri, client.id));
  if (!row) throw new AuthorizePageError("invalid_request_uri", "The request_uri is unknown, expired or already used. Start again from the application.");
  return seeOther(consentUrl(deps, row.id));
}

async function process(req: Request, deps: Deps): Promise<Response> {
  const params = await readParams(req);
  await countNewMetadataClient(req, deps, params.get("client_id"));
  if (params.getAll("request_uri").length > 1) throw new AuthorizePageError("invalid_request_uri", "request_uri was given more than once.");
  if (params.get("request_uri")) return fromPushedRequest(deps, params);
  countAuthorizationRequest(req, deps);

  const client = await checkClient(deps, params);
  const redirectUri = checkRedirectUri(client, params);
  // From here on the redirect URI is the client's own: errors go back to it (RFC 9700 4.11),
  // directly for an operator-registered client, through the error page for any other.
  const states = params.getAll("state");
  const state = states.length === 1 ? (states[0] ?? null) : null;
  try {
    const validated = checkAuthorizationParams(deps, client, redirectUri, params);
    const { id } = await writeTransaction(deps.db, (tx) => storeAuthorizationRequest(tx, deps, validated));
    return seeOther(consentUrl(deps, id));
  } catch (err) {
    const oauthErr = err instanceof OAuthError ? err : new OAuthError("server_error", "the request could not be processed");
    if (!(err instanceof OAuthError)) console.error("authorize: unexpected error:", errorMessage(err));
    const location = errorRedirectUrl(redirectUri, oauthErr, state, deps.config.issuerUrl);
    if (mayRedirectErrors(client)) return seeOther(location);
    // A self-registered client: the user sees the error first and may follow it back (checks.ts).
    const words = oauthErr.code === "server_error" ? "The server could not process this request. Try again later." : `The application sent a request that cannot be processed: ${oauthErr.description ?? oauthErr.code}.`;
    return authorizeErrorPage(words, oauthErr.status >= 500 ? 500 : 400, { code: oauthErr.code, returnTo: location });
  }
}

export async function handleAuthorize(req: Request, deps: Deps): Promise<Response> {
  try {
    return await process(req, deps);
  } catch (err) {
    if (err instanceof AuthorizePageError) return authorizeErrorPage(err.message, err.status, { code: err.code });
    if (isTooManyRequests(err)) {
      const page = authorizeErrorPage("Too many requests from your network. Wait a minute, then start again from the application.", 429, { code: "temporarily_unavailable" });
      for (const [name, value] of Object.entries(err.headers)) page.headers.set(name, value);
      return page;
    }
    console.error("authorize: unexpected error:", errorMessage(err));
    return authorizeErrorPage("The server could not process this request. Try again later.", 500, { code: "server_error" });
  }
}

