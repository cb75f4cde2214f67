// Pushed authorization requests (RFC 9126). The client authenticates (or names itself, if
// public), pushes the same parameters it would send to /authorize, and gets a one-time,
// short-lived request_uri. Errors are JSON (section 2.3). A DPoP proof sent here binds the
// code to its key, as dpop_jkt would (RFC 9449 section 10.1).
import type { Deps } from "../../deps";
import { readOAuthForm } from "../body";
import { withCors } from "../../http/cors";
import { writeTransaction } from "../../db";
import { authenticateClient } from "../clients/authenticate";
import { dbReplayStore, readDpopHeader, verifyDpopProof } from "../dpop";
import { OAuthError, oauthErrorResponse, oauthJsonResponse } from "../errors";
import { ENDPOINT_PATHS, endpointUrl } from "../metadata";
import { countAuthorizationRequest } from "../request-limits";
import { AuthorizePageError, checkAuthorizationParams, checkClient, checkRedirectUri } from "./checks";
import { newRequestUri, PAR_TTL_SECONDS, storeAuthorizationRequest } from "./request-store";

async function dpopThumbprint(req: Request, deps: Deps): Promise<string | undefined> {
  const proof = readDpopHeader(req);
  if (!proof) return undefined;
  const { jkt } = await verifyDpopProof(proof, {
    htm: "POST",
    htu: endpointUrl(deps.config, ENDPOINT_PATHS.par),
    now: deps.now(),
    replay: dbReplayStore(deps.db, "dpop"),
  });
  return jkt;
}

/** The redirect checks fail onto a page at /authorize; here they are plain invalid_request. */
async function checkClientSide(deps: Deps, form: URLSearchParams) {
  try {
    const client = await checkClient(deps, form);
    return { client, redirectUri: checkRedirectUri(client, form) };
  } catch (err) {
    if (err instanceof AuthorizePageError) throw new OAuthError(err.status === 500 ? "server_error" : "invalid_request", err.message);
    throw err;
  }
}

export async function handlePar(req: Request, deps: Deps): Promise<Response> {
  try {
    const form = await readOAuthForm(req);
    countAuthorizationRequest(req, deps);
    if (form.has("request_uri")) throw new OAuthError("invalid_request", "request_uri must not be pushed (RFC 9126 section 2.1)");
    const authenticated = await authenticateClient(req, form, deps);
    const named = form.get("client_id");
    if (named !== null && named !== authenticated.id) throw new OAuthError("invalid_request", "client_id does not match the authenticated client");
    form.set("client_id", authenticated.id);
    const { client, redirectUri } = await checkClientSide(deps, form);
    const validated = checkAuthorizationParams(deps, client, redirectUri, form);
    const proofJkt = await dpopThumbprint(req, deps);
    if (proofJkt && validated.dpopJkt && proofJkt !== validated.dpopJkt) {
      throw new OAuthError("invalid_dpop_proof", "dpop_jkt does not match the DPoP proof's key");
    }
    validated.dpopJkt = validated.dpopJkt ?? proofJkt ?? null;
    const requestUri = newRequestUri();
    await writeTransaction(deps.db, (tx) => storeAuthorizationRequest(tx, deps, validated, { requestUri }));
    return withCors(req, oauthJsonResponse({ request_uri: requestUri, expires_in: PAR_TTL_SECONDS }, { status: 201 }));
  } catch (err) {
    return withCors(req, oauthErrorResponse(err));
  }
}
