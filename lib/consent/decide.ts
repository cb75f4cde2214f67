// The user's decision on a pending request of any flow (authorize, ciba, device). Approve may
// narrow (drop recipients, lower max_messages, shorten the duration; pick recipients for an
// open request) but never widen: the granted details are computed from the stored request
// and checked with narrowDetails, so a tampered form cannot grant more (checklist 24).
// A decision is single-use: the status moves from pending exactly once (checklist 23).
import { hashHandle, newHandle } from "../oauth/handles";
import { appendAudit } from "../audit/append";
import { type MessagingDetail, narrowDetails, type Narrowing, NarrowingError, parseStoredDetails, wasNarrowed } from "../authorization-details";
import { writeTransaction, type Tx } from "../db";
import type { Deps } from "../deps";
import { createGrant } from "../grants";
import { OAuthError } from "../oauth/errors";
import { errorRedirectUrl, redirectWith } from "../oauth/authorize/redirect";
import { mayDecide, NOT_THE_DECIDER } from "./decider";
import { chosenLifetime, proposedLifetime } from "./lifetime";

/** RFC 6749 section 4.1.2 recommends at most 10 minutes; a minute is plenty for a redirect. */
export const AUTHORIZATION_CODE_TTL_SECONDS = 60;

export interface DecideInput {
  requestId: string;
  userId: string;
  decision: "approve" | "deny";
  /** One entry per requested detail; absent = approve as asked. */
  narrowing?: Narrowing[];
  durationSeconds?: number;
}

export type DecideResult =
  | { kind: "redirect"; location: string; status: "approved" | "denied"; grantId?: string }
  | { kind: "done"; status: "approved" | "denied"; flow: "ciba" | "device"; grantId?: string };

/** status 400: bad or stale decision (shown to the user); 403: not theirs; 404: unknown. */
export class ConsentError extends Error {
  override name = "ConsentError";
  constructor(
    readonly status: 400 | 403 | 404,
    message: string,
    /** For a correctable input error: the page can be shown again with this code. */
    readonly retryCode?: "recipients" | "max_messages" | "duration",
  ) {
    super(message);
  }
}

type Row = NonNullable<Awaited<ReturnType<Tx["authorizationRequest"]["findUnique"]>>>;

async function checkDecidable(tx: Tx, deps: Deps, input: DecideInput): Promise<Row> {
  const row = await tx.authorizationRequest.findUnique({ where: { id: input.requestId } });
  if (!row || row.parRequestUriHash) throw new ConsentError(404, "There is no such request.");
  // Only the resource owner decides (checklist 22): the user the request is bound to.
  if (!mayDecide(row, input.userId)) throw new ConsentError(403, NOT_THE_DECIDER);
  if (row.status !== "pending") throw new ConsentError(400, "This request was already decided.");
  if (row.expiresAt <= deps.now()) throw new ConsentError(400, "This request has expired. Start again from the application.");
  const user = await tx.user.findUnique({ where: { id: input.userId } });
  if (!user || user.disabledAt) throw new ConsentError(403, "This account cannot approve requests.");
  const client = await tx.client.findUnique({ where: { id: row.clientId }, select: { revokedAt: true } });
  if (!client || client.revokedAt) throw new ConsentError(400, "This application's registration was withdrawn; nothing can be granted to it.");
  return row;
}

function grantedDetails(requested: MessagingDetail[], narrowing: Narrowing[] | undefined): MessagingDetail[] {
  if (!narrowing) {
    if (requested.some((d) => !d.recipients.length)) throw new ConsentError(400, "Choose at least one recipient.", "recipients");
    return requested;
  }
  try {
    return narrowDetails(requested, narrowing);
  } catch (err) {
    if (!(err instanceof NarrowingError)) throw err;
    throw new ConsentError(400, `Your choice cannot be granted: ${err.message}.`, err.field);
  }
}

/** Pending -> approved/denied, exactly once even under concurrent POSTs. */
async function transition(tx: Tx, row: Row, status: "approved" | "denied", now: Date): Promise<void> {
  const moved = await tx.authorizationRequest.updateMany({
    where: { id: row.id, status: "pending", userId: row.userId },
    data: { status, decidedAt: now, consentTokenHash: null },
  });
  if (moved.count !== 1) throw new ConsentError(400, "This request was already decided.");
}

async function issueCode(tx: Tx, deps: Deps, row: Row, grantId: string): Promise<string> {
  const code = newHandle();
  const now = deps.now();
  await tx.authorizationCode.create({
    data: {
      // Stored only as a hash, the one the token endpoint looks the code up by.
      codeHash: hashHandle(code),
      requestId: row.id,
      grantId,
      clientId: row.clientId,
      redirectUri: row.redirectUri!,
      codeChallenge: row.codeChallenge!,
      resource: row.resource,
      dpopJkt: row.dpopJkt,
      expiresAt: new Date(now.getTime() + AUTHORIZATION_CODE_TTL_SECONDS * 1000),
      createdAt: now,
    },
  });
  await appendAudit(
    tx,
    { type: "code.issued", outcome: "success", actorType: "user", actorId: row.userId, subjectUserId: row.userId, clientId: row.clientId, grantId, details: { request_id: row.id, expires_in: AUTHORIZATION_CODE_TTL_SECONDS, dpop_bound: Boolean(row.dpopJkt) } },
    now,
  );
  return code;
}

async function approve(tx: Tx, deps: Deps, row: Row, input: DecideInput): Promise<DecideResult> {
  const now = deps.now();
  const requested = parseStoredDetails(row.authorizationDetails);
  const granted = grantedDetails(requested, input.narrowing);
  const proposed = proposedLifetime(row.requestedExpiry, deps.config);
  const lifetime = chosenLifetime(input.durationSeconds, proposed);
  if (lifetime === null) throw new ConsentError(400, "The duration can only be shortened.", "duration");
  await transition(tx, row, "approved", now);
  const grant = await createGrant(tx, {
    userId: row.userId!,
    clientId: row.clientId,
    resource: row.resource,
    scope: row.scope,
    requestedDetails: requested,
    grantedDetails: granted,
    expiresAt: new Date(now.getTime() + lifetime * 1000),
    createdVia: row.flow === "authorize" ? "code" : (row.flow as "ciba" | "device"),
    requestId: row.id,
    dpopJkt: row.dpopJkt,
  });
  await tx.authorizationRequest.update({ where: { id: row.id }, data: { grantId: grant.id } });
  const base = { actorType: "user" as const, actorId: row.userId, subjectUserId: row.userId, clientId: row.clientId, grantId: grant.id };
  const facts = { request_id: row.id, flow: row.flow, scope: row.scope, resource: row.resource, expires_at: grant.expiresAt.toISOString() };
  await appendAudit(tx, { ...base, type: "consent.approved", outcome: "success", details: { ...facts, authorization_details: granted } }, now);
  if (wasNarrowed(requested, granted) || lifetime < proposed) {
    const narrowed = { requested: requested, granted, requested_seconds: proposed, granted_seconds: lifetime };
    await appendAudit(tx, { ...base, type: "consent.narrowed", outcome: "info", details: { request_id: row.id, ...narrowed } }, now);
  }
  if (row.flow !== "authorize") return { kind: "done", status: "approved", flow: row.flow as "ciba" | "device", grantId: grant.id };
  const code = await issueCode(tx, deps, row, grant.id);
  const location = redirectWith(row.redirectUri!, { code, state: row.state, iss: deps.config.issuerUrl });
  return { kind: "redirect", location, status: "approved", grantId: grant.id };
}

async function deny(tx: Tx, deps: Deps, row: Row): Promise<DecideResult> {
  const now = deps.now();
  await transition(tx, row, "denied", now);
  await appendAudit(
    tx,
    { type: "consent.denied", outcome: "denied", actorType: "user", actorId: row.userId, subjectUserId: row.userId, clientId: row.clientId, details: { request_id: row.id, flow: row.flow } },
    now,
  );
  if (row.flow !== "authorize") return { kind: "done", status: "denied", flow: row.flow as "ciba" | "device" };
  const err = new OAuthError("access_denied", "the user denied the request");
  return { kind: "redirect", location: errorRedirectUrl(row.redirectUri!, err, row.state, deps.config.issuerUrl), status: "denied" };
}

export async function decideRequest(deps: Deps, input: DecideInput): Promise<DecideResult> {
  return writeTransaction(deps.db, async (tx) => {
    const row = await checkDecidable(tx, deps, input);
    return input.decision === "approve" ? approve(tx, deps, row, input) : deny(tx, deps, row);
  });
}
