// The CIBA backchannel authentication endpoint, poll mode (OpenID CIBA Core 1.0, sections 7
// and 10). An authenticated agent names the user (login_hint = their e-mail), says what it
// wants and shows a binding message; the user decides on their own device, in this app, and
// the agent polls the token endpoint with the auth_req_id it gets here.
//
// A backchannel request puts a prompt in front of a person, so (docs/ciba.md, "Who may ask"):
// - only a confidential client an administrator enabled for CIBA may send one;
// - the answer is the same whether or not login_hint names a user here (CIBA Core section 15,
//   "user identifier enumeration"): an unknown or disabled account gets an auth_req_id that
//   nobody can approve and that ends in expired_token, after the same work in the same order;
// - each login_hint has a prompt budget per hour, counted before any lookup, so it too answers
//   the same for known and unknown hints.
import type { Deps } from "../../deps";
import { writeTransaction } from "../../db";
import { authenticateClient } from "../clients/authenticate";
import type { ClientRecord } from "../clients/store";
import { OAuthError, oauthErrorResponse, oauthJsonResponse } from "../errors";
import { GRANT_TYPES } from "../supported";
import { consumeRateLimit, retryAfterHeader } from "../../rate-limit";
import { notifyUser } from "../../notifications";
import { requestInWords } from "../../pending/list";
import { normalizeEmail } from "../../auth/users";
import { hashHandle, newHandle } from "../handles";
import { isPlainDisplayText } from "../display-text";
import { checkClientGrantType, checkRequestedAccess, checkRequestedExpiry, readForm, singleParam } from "../request-params";
import { storePendingRequest } from "../pending-request";

export const BACKCHANNEL_PATH = "/oauth/backchannel";
const MAX_BINDING_MESSAGE = 100;
/** Requests per client per minute, counted before the user is looked up (slows e-mail probing). */
const CLIENT_REQUESTS_PER_MINUTE = 60;

/** CIBA section 7.1: short plain text the user compares with what the agent shows. */
export function checkBindingMessage(value: string | undefined): string | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (!text.length || text.length > MAX_BINDING_MESSAGE || !isPlainDisplayText(text)) {
    throw new OAuthError(
      "invalid_binding_message",
      `binding_message must be 1 to ${MAX_BINDING_MESSAGE} visible characters on one line, without format or bidirectional-override characters`,
    );
  }
  return text;
}

/** CIBA is allowed only to confidential clients (section 4) that an administrator enabled. */
export function checkCibaClient(client: ClientRecord): void {
  if (client.tokenEndpointAuthMethod === "none") throw new OAuthError("unauthorized_client", "CIBA requires an authenticated (confidential) client");
  checkClientGrantType(client, GRANT_TYPES.ciba);
  if (!client.cibaEnabled) {
    throw new OAuthError("unauthorized_client", "an administrator has not enabled CIBA for this client (npm run admin -- enable-ciba <client_id>)");
  }
}

/** CIBA section 7.1: exactly one hint; this server supports login_hint (an e-mail address). */
function hintedEmail(form: URLSearchParams): string {
  if (singleParam(form, "login_hint_token") || singleParam(form, "id_token_hint")) {
    throw new OAuthError("invalid_request", "only login_hint (the user's e-mail address) is supported");
  }
  const hint = singleParam(form, "login_hint")?.trim();
  if (!hint) throw new OAuthError("invalid_request", "login_hint (the user's e-mail address) is required");
  try {
    return normalizeEmail(hint);
  } catch {
    // The shape of the hint only: says nothing about who has an account.
    throw new OAuthError("invalid_request", "login_hint must be an e-mail address");
  }
}

/** The account login_hint names, or null when there is none or it is disabled (never told apart). */
async function findHintedUser(deps: Deps, email: string): Promise<{ id: string; email: string } | null> {
  const user = await deps.db.user.findUnique({ where: { email }, select: { id: true, email: true, disabledAt: true } });
  return user && !user.disabledAt ? { id: user.id, email: user.email } : null;
}

/**
 * CIBA section 7.1: requested_expiry is the lifetime the client wants for the auth_req_id,
 * bounded here by CIBA_REQUEST_TTL_SECONDS. It is not the grant's lifetime: that is proposed on
 * the consent page and chosen by the user (lib/consent/lifetime.ts).
 */
function authReqIdLifetime(form: URLSearchParams, deps: Deps): number {
  const max = deps.config.cibaRequestTtlSeconds;
  return checkRequestedExpiry(singleParam(form, "requested_expiry"), max) ?? max;
}

async function checkRate(deps: Deps, key: string, rule: { limit: number; windowSeconds: number }, what: string): Promise<void> {
  const result = await consumeRateLimit(deps.db, key, rule, deps.now());
  if (!result.allowed) {
    throw new OAuthError("slow_down", `too many backchannel requests ${what}; retry later`, { status: 429, headers: retryAfterHeader(result) });
  }
}

export async function handleBackchannel(req: Request, deps: Deps): Promise<Response> {
  try {
    const form = await readForm(req);
    const client = await authenticateClient(req, form, deps);
    checkCibaClient(client);
    if (singleParam(form, "client_notification_token")) throw new OAuthError("invalid_request", "only poll mode is supported");
    if (singleParam(form, "user_code")) throw new OAuthError("invalid_request", "user_code is not supported");
    // The grant's lifetime comes from the consent, not from requested_expiry (see authReqIdLifetime).
    const access = { ...checkRequestedAccess(form, deps.config, client), requestedExpiry: null };
    const bindingMessage = checkBindingMessage(singleParam(form, "binding_message"));
    const ttl = authReqIdLifetime(form, deps);
    const email = hintedEmail(form);
    await checkRate(deps, `ciba:client:${client.id}`, { limit: CLIENT_REQUESTS_PER_MINUTE, windowSeconds: 60 }, "from this client");
    // Keyed by the hint, not the account: known and unknown hints run out alike.
    await checkRate(deps, `ciba:hint:${hashHandle(email)}`, { limit: deps.config.cibaPromptsPerUserPerHour, windowSeconds: 3600 }, "for this user");
    const user = await findHintedUser(deps, email);

    const now = deps.now();
    const authReqId = newHandle();
    const row = await writeTransaction(deps.db, (tx) =>
      storePendingRequest(tx, now, {
        flow: "ciba",
        clientId: client.id,
        // No user: the consent page refuses a CIBA request bound to nobody, so it stays pending
        // until it expires, exactly what the agent would see if the user ignored it.
        userId: user?.id,
        access,
        ttlSeconds: ttl,
        columns: { bindingMessage, loginHint: user?.email, authReqIdHash: hashHandle(authReqId), pollInterval: deps.config.pollIntervalSeconds },
        auditDetails: { binding_message: bindingMessage, auth_req_id_expires_in: ttl, login_hint_matched: Boolean(user) },
      }),
    );

    // Not awaited: a notification channel's latency (a webhook) would tell a known user from an
    // unknown one. notifyUser never throws; each channel logs its own failure.
    if (user) {
      void notifyUser(deps, {
        userId: user.id,
        title: `${client.name || client.id} asks for your approval`,
        body: [bindingMessage ? `“${bindingMessage}”` : null, ...requestInWords(row)].filter(Boolean).join(" · "),
        link: `/consent/${row.id}`,
      });
    }

    // CIBA section 7.3: the handle, its lifetime, and the minimum polling interval.
    return oauthJsonResponse({ auth_req_id: authReqId, expires_in: ttl, interval: deps.config.pollIntervalSeconds });
  } catch (err) {
    return oauthErrorResponse(err);
  }
}
