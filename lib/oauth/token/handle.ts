// The token endpoint (OAuth 2.1 section 3.2). In order: form body, grant type, the failure
// budget of the caller's address, client authentication, the authenticated client's own
// budget (./limits.ts), the client's right to the grant type, the DPoP proof, then the
// grant's own handler. Every answer is JSON with Cache-Control: no-store and CORS
// headers; errors use the RFC codes and statuses (oauthErrorResponse).
import { decodeJwt } from "jose";
import type { Deps } from "../../deps";
import { withCors } from "../../http/cors";
import { hasInvalidCharacters } from "../../http/text";
import { addressKey, clientIp } from "../../auth/client-ip";
import { authenticateClient, presentedCredentials } from "../clients/authenticate";
import type { ClientRecord } from "../clients/store";
import { checkClientGrantType } from "../request-params";
import { dbReplayStore, hmacNoncePolicy, readDpopHeader, verifyDpopProof, type DpopNoncePolicy } from "../dpop";
import { OAuthError, oauthErrorResponse } from "../errors";
import { readForm, requireParam } from "./form";
import { grantHandlerFor } from "./grants";
import { admitAuthenticationAttempt, countClientRequest, tokenLimitsFor, type TokenLimits } from "./limits";

export const TOKEN_PATH = "/oauth/token";
export interface TokenEndpointOptions {
  /** The buckets to count in (default: the process's, for deps.config). */
  limits?: TokenLimits;
}

export function tokenEndpointUrl(deps: Deps): string {
  return deps.config.issuerUrl + TOKEN_PATH;
}

/** Nonces for proofs sent to this endpoint (RFC 9449 section 8). */
export function tokenNoncePolicy(deps: Deps): DpopNoncePolicy {
  return hmacNoncePolicy({ secret: deps.config.authSecret, audience: tokenEndpointUrl(deps), required: deps.config.dpopRequireNonce, now: deps.now });
}

/** Whom the request claims to be, before any credential is checked (never trusted for more). */
function claimedClientId(req: Request, form: URLSearchParams): string {
  try {
    const presented = presentedCredentials(req, form);
    if (presented.clientId) return presented.clientId;
    // An unverified claim: it becomes a rate-limit key, so it must be storable text.
    if (presented.assertion) {
      const sub = String(decodeJwt(presented.assertion).sub ?? "");
      return hasInvalidCharacters(sub) ? "" : sub;
    }
  } catch {
    // malformed credentials: counted with the anonymous ones, rejected later
  }
  return "";
}

async function checkDpop(req: Request, deps: Deps, nonce: DpopNoncePolicy): Promise<{ jkt: string } | undefined> {
  const proof = readDpopHeader(req);
  if (proof === undefined) return undefined;
  const { jkt } = await verifyDpopProof(proof, {
    htm: "POST",
    htu: tokenEndpointUrl(deps),
    nonce,
    now: deps.now(),
    replay: dbReplayStore(deps.db, "dpop"),
  });
  return { jkt };
}

/** RFC 9449 section 5.2: a client registered with dpop_bound_access_tokens must always prove a key. */
function checkDpopRequired(client: ClientRecord, dpop: { jkt: string } | undefined): void {
  if (client.metadata.dpop_bound_access_tokens === true && !dpop) {
    throw new OAuthError("invalid_dpop_proof", "this client is registered for DPoP-bound tokens; send a DPoP proof");
  }
}

async function processToken(req: Request, deps: Deps, nonce: DpopNoncePolicy, options: TokenEndpointOptions): Promise<Response> {
  const form = await readForm(req);
  const grantType = requireParam(form, "grant_type");
  const handler = grantHandlerFor(grantType);
  if (!handler) throw new OAuthError("unsupported_grant_type", `grant_type ${grantType.slice(0, 60)} is not supported`);
  const limits = options.limits ?? tokenLimitsFor(deps.config);
  const address = addressKey(clientIp(req.headers));
  const authenticated = admitAuthenticationAttempt(limits, address, claimedClientId(req, form), deps.now());
  const client = await authenticateClient(req, form, deps);
  authenticated();
  countClientRequest(limits, client, address, deps.now());
  checkClientGrantType(client, grantType);
  const dpop = await checkDpop(req, deps, nonce);
  checkDpopRequired(client, dpop);
  return handler({ req, form, client, deps, dpop });
}

export async function handleToken(req: Request, deps: Deps, options: TokenEndpointOptions = {}): Promise<Response> {
  const nonce = tokenNoncePolicy(deps);
  let res: Response;
  try {
    res = await processToken(req, deps, nonce, options);
  } catch (err) {
    res = oauthErrorResponse(err);
  }
  // A fresh nonce on every answer to a DPoP client (section 8.2), so it rarely needs a retry.
  if ((nonce.required || req.headers.has("dpop")) && !res.headers.has("DPoP-Nonce")) res.headers.set("DPoP-Nonce", nonce.current());
  return withCors(req, res);
}
