// The CIBA backchannel authentication endpoint, poll mode (OpenID CIBA Core 1.0, sections 7
// and 10). An authenticated agent names the user (login_hint = their e-mail), says what it
// wants and shows a binding message; the user decides on their own device, in this app, and
// the agent polls the token endpoint with the auth_req_id it gets here.
import type { Deps } from "../../deps";
import { writeTransaction } from "../../db";
import { authenticateClient } from "../clients/authenticate";
import { OAuthError, oauthErrorResponse, oauthJsonResponse } from "../errors";
import { GRANT_TYPES } from "../supported";
import { consumeRateLimit, retryAfterHeader } from "../../rate-limit";
import { notifyUser } from "../../notifications";
import { requestInWords } from "../../pending/list";
import { normalizeEmail } from "../../auth/users";
import { hashHandle, newHandle } from "../handles";
import { checkClientGrantType, checkRequestedAccess, readForm, singleParam } from "../request-params";
import { storePendingRequest } from "../pending-request";

export const BACKCHANNEL_PATH = "/oauth/backchannel";
const MAX_BINDING_MESSAGE = 100;
/** Requests per client per minute, counted before the user is looked up (slows e-mail probing). */
const CLIENT_REQUESTS_PER_MINUTE = 60;

/** CIBA section 7.1: short plain text the user compares with what the agent shows. */
export function checkBindingMessage(value: string | undefined): string | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (!text.length || text.length > MAX_BINDING_MESSAGE || !/^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]+$/u.test(text)) {
    throw new OAuthError(
      "invalid_binding_message",
      `binding_message must be 1 to ${MAX_BINDING_MESSAGE} printable characters on one line`,
    );
  }
  return text;
}

/** CIBA section 7.1: exactly one hint; this server supports login_hint (an e-mail address). */
async function findHintedUser(deps: Deps, form: URLSearchParams) {
  if (singleParam(form, "login_hint_token") || singleParam(form, "id_token_hint")) {
    throw new OAuthError("invalid_request", "only login_hint (the user's e-mail address) is supported");
  }
  const hint = singleParam(form, "login_hint")?.trim();
  if (!hint) throw new OAuthError("invalid_request", "login_hint (the user's e-mail address) is required");
  let email: string;
  try {
    email = normalizeEmail(hint);
  } catch {
    throw new OAuthError("unknown_user_id", "login_hint is not an e-mail address of a user here");
  }
  const user = await deps.db.user.findUnique({ where: { email }, select: { id: true, email: true, disabledAt: true } });
  // CIBA section 13: unknown_user_id. A disabled account is answered the same way.
  if (!user || user.disabledAt) throw new OAuthError("unknown_user_id", "no user matches login_hint");
  return user;
}

async function checkRate(deps: Deps, key: string, limit: number, what: string): Promise<void> {
  const result = await consumeRateLimit(deps.db, key, { limit, windowSeconds: 60 }, deps.now());
  if (!result.allowed) {
    throw new OAuthError("slow_down", `too many backchannel requests ${what}; retry later`, { status: 429, headers: retryAfterHeader(result) });
  }
}

export async function handleBackchannel(req: Request, deps: Deps): Promise<Response> {
  try {
    const form = await readForm(req);
    const client = await authenticateClient(req, form, deps, { endpoint: `${deps.config.issuerUrl}${BACKCHANNEL_PATH}` });
    // CIBA is for confidential clients only (CIBA Core section 4): the agent must authenticate.
    if (client.tokenEndpointAuthMethod === "none") throw new OAuthError("unauthorized_client", "CIBA requires an authenticated (confidential) client");
    checkClientGrantType(client, GRANT_TYPES.ciba);
    if (singleParam(form, "client_notification_token")) throw new OAuthError("invalid_request", "only poll mode is supported");
    if (singleParam(form, "user_code")) throw new OAuthError("invalid_request", "user_code is not supported");
    const request = checkRequestedAccess(form, deps.config, client);
    const bindingMessage = checkBindingMessage(singleParam(form, "binding_message"));
    await checkRate(deps, `ciba:client:${client.id}`, CLIENT_REQUESTS_PER_MINUTE, "from this client");
    const user = await findHintedUser(deps, form);
    await checkRate(deps, `ciba:user:${user.id}`, deps.config.cibaRequestsPerUserPerMinute, "for this user");

    const now = deps.now();
    const authReqId = newHandle();
    const ttl = deps.config.cibaRequestTtlSeconds;
    const row = await writeTransaction(deps.db, (tx) =>
      storePendingRequest(tx, now, {
        flow: "ciba",
        clientId: client.id,
        userId: user.id,
        access: request,
        ttlSeconds: ttl,
        columns: { bindingMessage, loginHint: user.email, authReqIdHash: hashHandle(authReqId), pollInterval: deps.config.pollIntervalSeconds },
        auditDetails: { binding_message: bindingMessage },
      }),
    );

    await notifyUser(deps, {
      userId: user.id,
      title: `${client.name || client.id} asks for your approval`,
      body: [bindingMessage ? `“${bindingMessage}”` : null, ...requestInWords(row)].filter(Boolean).join(" · "),
      link: `/consent/${row.id}`,
    });

    // CIBA section 7.3: the handle, its lifetime, and the minimum polling interval.
    return oauthJsonResponse({ auth_req_id: authReqId, expires_in: ttl, interval: deps.config.pollIntervalSeconds });
  } catch (err) {
    return oauthErrorResponse(err);
  }
}
