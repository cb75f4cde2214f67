// Pending authorization requests (the AuthorizationRequest row of flow "authorize"). The consent
// page reads only this row, so raw query parameters never round-trip through the form
// (style.md 5). A pushed request (RFC 9126) is stored the same way with a request_uri hash, and
// becomes an ordinary pending request when the browser arrives with that request_uri.
import { createHash, randomBytes } from "node:crypto";
import { appendAudit } from "../../audit/append";
import type { Tx } from "../../db";
import type { Deps } from "../../deps";
import type { ValidatedAuthorization } from "./checks";

/** How long the user has to finish sign-in and consent. */
export const AUTHORIZE_REQUEST_TTL_SECONDS = 600;
/** RFC 9126 section 2.2: a request_uri is short-lived. */
export const PAR_TTL_SECONDS = 60;
export const REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:";

export const hashHandle = (value: string) => createHash("sha256").update(value, "utf8").digest("hex");

export function newRequestUri(): string {
  return `${REQUEST_URI_PREFIX}${randomBytes(32).toString("base64url")}`;
}

export async function storeAuthorizationRequest(
  tx: Tx,
  deps: Deps,
  v: ValidatedAuthorization,
  par?: { requestUri: string },
): Promise<{ id: string }> {
  const now = deps.now();
  const ttl = par ? PAR_TTL_SECONDS : AUTHORIZE_REQUEST_TTL_SECONDS;
  const row = await tx.authorizationRequest.create({
    data: {
      flow: "authorize",
      clientId: v.client.id,
      redirectUri: v.redirectUri,
      state: v.state,
      codeChallenge: v.codeChallenge,
      resource: v.resource,
      scope: v.scope,
      authorizationDetails: JSON.stringify(v.details),
      requestedExpiry: v.requestedExpiry,
      dpopJkt: v.dpopJkt,
      parRequestUriHash: par ? hashHandle(par.requestUri) : null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + ttl * 1000),
    },
  });
  await appendAudit(
    tx,
    {
      type: "authorization.requested",
      outcome: "info",
      actorType: "agent",
      actorId: v.client.id,
      clientId: v.client.id,
      details: {
        flow: "authorize",
        request_id: row.id,
        pushed: Boolean(par),
        redirect_uri: v.redirectUri,
        scope: v.scope,
        resource: v.resource,
        authorization_details: v.details,
        requested_expiry: v.requestedExpiry,
        dpop_bound: Boolean(v.dpopJkt),
      },
    },
    now,
  );
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
