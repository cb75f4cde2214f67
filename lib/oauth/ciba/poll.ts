// The polling state machine shared by the CIBA grant (CIBA Core section 11) and the device
// code grant (RFC 8628 section 3.5). Each poll is one write transaction that reads the
// request, records when it was polled and either answers with an error code or consumes the
// approved request exactly once.
//
//   pending  -> authorization_pending, or slow_down when polled faster than the interval
//               (the interval then grows by 5 seconds for every later poll, RFC 8628 3.5)
//   denied   -> access_denied
//   expired  -> expired_token (also a pending or approved request past its expiry)
//   approved -> the grant, for the caller to issue tokens while consumeRequest marks the
//               request consumed in the same transaction (single use)
//   consumed -> invalid_grant
// The poll's own transaction commits before any token is issued, so a slow_down or an
// expiry is recorded even when the answer is an error.
import type { Tx } from "../../db";
import type { AuthorizationRequest, Grant } from "../../generated/sqlite/client";
import { getLiveGrant } from "../../grants/status";
import { revokeGrant } from "../../grants/revoke";
import { OAuthError } from "../errors";

export type PollOutcome = { kind: "error"; error: OAuthError } | { kind: "approved"; request: AuthorizationRequest; grant: Grant };

export interface PollInput {
  flow: "ciba" | "device";
  /** The SHA-256 of the handle the client presented. */
  handleHash: string;
  clientId: string;
  now: Date;
  /** The thumbprint of the DPoP key of this token request, if any. */
  dpopJkt?: string;
}

/** Polls arriving this much early still count as on time (network and timer jitter). */
const EARLY_TOLERANCE_MS = 250;
const SLOW_DOWN_STEP_SECONDS = 5;
const MAX_INTERVAL_SECONDS = 60;

// Token endpoint errors are all 400, access_denied included (CIBA Core section 11,
// RFC 8628 section 3.5, RFC 6749 section 5.2).
const fail = (code: ConstructorParameters<typeof OAuthError>[0], description: string): PollOutcome => ({
  kind: "error",
  error: new OAuthError(code, description, { status: 400 }),
});

async function findRequest(tx: Tx, input: PollInput): Promise<AuthorizationRequest | null> {
  const where = input.flow === "ciba" ? { authReqIdHash: input.handleHash } : { deviceCodeHash: input.handleHash };
  const request = await tx.authorizationRequest.findUnique({ where });
  // Another client's handle is as unknown as a made-up one (RFC 6749 section 5.2, invalid_grant).
  if (!request || request.flow !== input.flow || request.clientId !== input.clientId) return null;
  return request;
}

/** Pending: either too fast (slow_down, interval grows) or not yet decided. */
async function pollPending(tx: Tx, request: AuthorizationRequest, now: Date): Promise<PollOutcome> {
  const last = request.lastPolledAt?.getTime();
  const tooFast = last !== undefined && now.getTime() - last < request.pollInterval * 1000 - EARLY_TOLERANCE_MS;
  const pollInterval = tooFast ? Math.min(request.pollInterval + SLOW_DOWN_STEP_SECONDS, MAX_INTERVAL_SECONDS) : request.pollInterval;
  await tx.authorizationRequest.update({ where: { id: request.id }, data: { lastPolledAt: now, pollInterval } });
  if (tooFast) return fail("slow_down", `polling too fast: wait at least ${pollInterval} seconds between requests`);
  return fail("authorization_pending", "the user has not decided yet");
}

/** Approved: the grant it produced, when still live and bound to this request's key. */
async function approvedGrant(tx: Tx, request: AuthorizationRequest, input: PollInput): Promise<PollOutcome> {
  if (!request.grantId) return fail("invalid_grant", "this request has no grant");
  const grant = await getLiveGrant(tx, request.grantId, input.now);
  if (!grant) return fail("invalid_grant", "the grant for this request was revoked or has expired");
  // A key bound at request time must be the key of the token request (RFC 9449 section 10).
  const boundJkt = grant.dpopJkt ?? request.dpopJkt;
  if (boundJkt && boundJkt !== input.dpopJkt) return fail("invalid_grant", "the DPoP key does not match the key bound to this request");
  return { kind: "approved", request, grant };
}

export async function pollOutOfBandRequest(tx: Tx, input: PollInput): Promise<PollOutcome> {
  const handle = input.flow === "ciba" ? "auth_req_id" : "device_code";
  const request = await findRequest(tx, input);
  if (!request) return fail("invalid_grant", `unknown ${handle}`);
  if (request.status === "consumed") return fail("invalid_grant", `this ${handle} was already used`);
  if (request.status === "denied") return fail("access_denied", "the user denied the request");
  const expired = request.status === "expired" || request.expiresAt.getTime() <= input.now.getTime();
  if (expired) {
    if (request.status !== "expired") await tx.authorizationRequest.update({ where: { id: request.id }, data: { status: "expired" } });
    // Approved but never collected in time: nothing may use that grant now, so end it rather
    // than leave a live grant without tokens on the user's dashboard.
    if (request.status === "approved" && request.grantId) {
      await revokeGrant(tx, request.grantId, `the agent did not collect its tokens before the ${handle} expired`, { type: "system" }, input.now);
    }
    return fail("expired_token", `the ${handle} has expired; start a new request`);
  }
  if (request.status === "pending") return pollPending(tx, request, input.now);
  if (request.status === "approved") return approvedGrant(tx, request, input);
  return fail("invalid_grant", `this ${handle} cannot be used`);
}

/**
 * Marks an approved request consumed, inside the token-issuing transaction: of two
 * concurrent polls only one gets tokens (the other's update finds no approved row).
 */
export async function consumeRequest(tx: Tx, requestId: string, now: Date): Promise<void> {
  const consumed = await tx.authorizationRequest.updateMany({
    where: { id: requestId, status: "approved" },
    data: { status: "consumed", lastPolledAt: now },
  });
  if (consumed.count !== 1) throw new OAuthError("invalid_grant", "this request was already used");
}
