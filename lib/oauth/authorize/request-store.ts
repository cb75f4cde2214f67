// Pending authorization requests (the AuthorizationRequest row of flow "authorize"). The consent
// page reads only this row, so raw query parameters never round-trip through the form
// (style.md 5). A pushed request (RFC 9126) is stored the same way with a request_uri hash, and
// becomes an ordinary pending request when the browser arrives with that request_uri.
import type { Tx } from "../../db";
import type { Deps } from "../../deps";
import { hashHandle, newHandle } from "../handles";
import { storePendingRequest } from "../pending-request";
import type { ValidatedAuthorization } from "./checks";

/** How long the user has to finish sign-in and consent. */
export const AUTHORIZE_REQUEST_TTL_SECONDS = 600;
/** RFC 9126 section 2.2: a request_uri is short-lived. */
export const PAR_TTL_SECONDS = 60;
export const REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:";

export function newRequestUri(): string {
  return `${REQUEST_URI_PREFIX}${newHandle()}`;
}

export async function storeAuthorizationRequest(
  tx: Tx,
  deps: Deps,
  v: ValidatedAuthorization,
  par?: { requestUri: string },
): Promise<{ id: string }> {
  const now = deps.now();
  const row = await storePendingRequest(tx, now, {
    flow: "authorize",
    clientId: v.client.id,
    access: v,
    ttlSeconds: par ? PAR_TTL_SECONDS : AUTHORIZE_REQUEST_TTL_SECONDS,
    columns: {
      redirectUri: v.redirectUri,
      state: v.state,
      codeChallenge: v.codeChallenge,
      dpopJkt: v.dpopJkt,
      parRequestUriHash: par ? hashHandle(par.requestUri) : null,
    },
    auditDetails: { pushed: Boolean(par), redirect_uri: v.redirectUri, dpop_bound: Boolean(v.dpopJkt) },
  });
  return { id: row.id };
}

type RequestRow = NonNullable<Awaited<ReturnType<Tx["authorizationRequest"]["findUnique"]>>>;

/**
 * Redeems a request_uri (single use) for `clientId`: the pushed request becomes a pending
 * request with the ordinary lifetime. Null when unknown, used, expired or another client's.
 */
export async function redeemRequestUri(tx: Tx, deps: Deps, requestUri: string, clientId: string): Promise<RequestRow | null> {
  if (!requestUri.startsWith(REQUEST_URI_PREFIX) || requestUri.length > 200) return null;
  const now = deps.now();
  const row = await tx.authorizationRequest.findUnique({ where: { parRequestUriHash: hashHandle(requestUri) } });
  if (!row || row.clientId !== clientId || row.status !== "pending" || row.expiresAt <= now) return null;
  const taken = await tx.authorizationRequest.updateMany({
    where: { id: row.id, parRequestUriHash: row.parRequestUriHash, status: "pending" },
    data: { parRequestUriHash: null, expiresAt: new Date(now.getTime() + AUTHORIZE_REQUEST_TTL_SECONDS * 1000) },
  });
  return taken.count === 1 ? row : null;
}
