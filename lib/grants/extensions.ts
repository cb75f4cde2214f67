// In-call consent (docs/mcp-clients.md, "In-call consent"): a live grant is extended by one
// entry when its owner approves an extension request that the MCP server made mid-task.
//
// The extension lives in the grant's stored state: approval appends one `messaging` entry to
// Grant.authorizationDetails and adds its GrantEntry budget, in one transaction with the
// audit entry (grant.extended, with the details before and after). Tokens are never widened:
// an access token keeps the details it was issued with, and the agent's next token (refresh
// or token exchange, both computed from the stored grant) carries the extension. Every send
// still spends from the grant's own entries, so nothing wider than the approved count can be
// sent (docs/architecture.md, "In-call consent").
//
// The agent chooses typed fields only (one recipient, a message count); the words the person
// reads are built here from them. A request expires, is decided once, and each grant may have
// only a few pending and a few per hour (ExtensionLimits).
import { appendAudit } from "../audit/append";
import { describeMessagingDetail, entryToSpend, MAX_MESSAGES_PER_DETAIL, MESSAGING_TYPE, parseMessagingDetails, type MessagingDetail } from "../authorization-details";
import { providerOf } from "../db/client";
import { writeTransaction, type Db, type Tx } from "../db";
import { grantedDetailsOf } from "./create";
import { ENTRY_USAGE_SELECT } from "./entries";

/** The most messages one extension may ask for (the person may approve fewer). */
export const MAX_EXTENSION_MESSAGES = 100;
/** parseMessagingDetails accepts at most this many entries; an extension never makes a grant unreadable. */
const MAX_GRANT_ENTRIES = 10;
const HOUR_MS = 3_600_000;
/** Grants the person gave directly; grants derived by token exchange follow their parent. */
const EXTENDABLE_VIA = ["code", "ciba", "device"];

export type ExtensionReason = "recipient_not_allowed" | "quota_exhausted";

export interface ExtensionLimits {
  /** How long a request waits for the person's decision. */
  ttlSeconds: number;
  /** Requests of one grant that may wait at the same time. */
  pendingPerGrant: number;
  /** Requests one grant may make per hour, decided or not. */
  perGrantPerHour: number;
}

export interface ExtensionRequestInput {
  grantId: string;
  recipient: string; // E.164, from the denial (never the agent's raw text)
  maxMessages: number;
  reason: ExtensionReason;
  limits: ExtensionLimits;
  now: Date;
}

export interface PendingExtension {
  id: string;
  grantId: string;
  recipients: string[];
  maxMessages: number;
  expiresAt: Date;
  /** The entry as it would be added, in words ("Send up to 2 messages to +1 555-010-0999"). */
  words: string;
}

export type ExtensionOutcome =
  | { kind: "pending"; request: PendingExtension; created: boolean }
  /** The grant, as it stands now, already allows the send (an extension was just approved): nothing to ask. */
  | { kind: "covered" }
  /** The person denied the same extension within the hour: not asked again. */
  | { kind: "denied"; requestId: string }
  | { kind: "refused"; why: "rate_limited" | "too_many_entries" | "not_extendable" };

export type ExtensionStatus = "pending" | "approved" | "denied" | "expired";

/** status 400: stale or bad decision; 403: not the grant's owner; 404: unknown. */
export class ExtensionError extends Error {
  override name = "ExtensionError";
  constructor(
    readonly status: 400 | 403 | 404,
    readonly code: "not_found" | "forbidden" | "already_decided" | "expired" | "grant_not_active" | "invalid_max_messages" | "too_many_entries",
    message: string,
  ) {
    super(message);
  }
}

type RequestRow = NonNullable<Awaited<ReturnType<Tx["grantExtensionRequest"]["findUnique"]>>>;

export function extensionEntry(recipients: string[], maxMessages: number): MessagingDetail {
  return { type: MESSAGING_TYPE, actions: ["send"], recipients: [...recipients].sort(), max_messages: maxMessages };
}

function recipientsOf(row: Pick<RequestRow, "recipients">): string[] {
  return JSON.parse(row.recipients) as string[];
}

function pendingView(row: RequestRow): PendingExtension {
  const recipients = recipientsOf(row);
  return { id: row.id, grantId: row.grantId, recipients, maxMessages: row.maxMessages, expiresAt: row.expiresAt, words: describeMessagingDetail(extensionEntry(recipients, row.maxMessages)) };
}

export function extensionStatus(row: Pick<RequestRow, "status" | "expiresAt">, now: Date): ExtensionStatus {
  if (row.status === "pending" && row.expiresAt.getTime() <= now.getTime()) return "expired";
  return row.status as ExtensionStatus;
}

/**
 * Serialises the writers of one grant's extensions: SQLite's write transaction already holds
 * the database's write lock (lib/db/transaction.ts); PostgreSQL locks the grant's row, so two
 * requests cannot both pass the limits and two approvals cannot both take the same position.
 */
async function lockGrant(tx: Tx, grantId: string): Promise<void> {
  if (providerOf(tx as unknown as Db) === "postgresql") await tx.$queryRaw`SELECT "id" FROM "Grant" WHERE "id" = ${grantId} FOR UPDATE`;
}

function grantIsLive(grant: { status: string; expiresAt: Date }, now: Date): boolean {
  return grant.status === "active" && grant.expiresAt.getTime() > now.getTime();
}

/**
 * Finds or creates the extension request for one recipient of a grant. A waiting request for
 * the same recipient is answered again (an agent's retry never makes a second one); a recent
 * denial is not asked again; otherwise the limits decide.
 */
export async function requestExtension(db: Db, input: ExtensionRequestInput): Promise<ExtensionOutcome> {
  const { grantId, recipient, now, limits } = input;
  const maxMessages = Math.min(Math.max(1, Math.trunc(input.maxMessages)), MAX_EXTENSION_MESSAGES);
  const recipients = JSON.stringify([recipient]);
  return writeTransaction(db, async (tx) => {
    await lockGrant(tx, grantId);
    const grant = await tx.grant.findUnique({
      where: { id: grantId },
      select: { id: true, status: true, expiresAt: true, parentGrantId: true, createdVia: true, userId: true, clientId: true, authorizationDetails: true, entries: { select: ENTRY_USAGE_SELECT } },
    });
    if (!grant || grant.parentGrantId || !EXTENDABLE_VIA.includes(grant.createdVia) || !grantIsLive(grant, now)) return { kind: "refused", why: "not_extendable" };
    // Read under the lock: an approval that committed while this call was being denied is seen here.
    if (entryToSpend(grantedDetailsOf(grant), grant.entries, recipient) !== null) return { kind: "covered" };
    const waiting = await tx.grantExtensionRequest.findFirst({ where: { grantId, recipients, status: "pending", expiresAt: { gt: now } }, orderBy: { createdAt: "desc" } });
    if (waiting) return { kind: "pending", request: pendingView(waiting), created: false };
    const hourAgo = new Date(now.getTime() - HOUR_MS);
    const denied = await tx.grantExtensionRequest.findFirst({ where: { grantId, recipients, status: "denied", decidedAt: { gt: hourAgo } }, select: { id: true } });
    if (denied) return { kind: "denied", requestId: denied.id };
    if (grantedDetailsOf(grant).length >= MAX_GRANT_ENTRIES) return { kind: "refused", why: "too_many_entries" };
    const [pending, lastHour] = await Promise.all([
      tx.grantExtensionRequest.count({ where: { grantId, status: "pending", expiresAt: { gt: now } } }),
      tx.grantExtensionRequest.count({ where: { grantId, createdAt: { gt: hourAgo } } }),
    ]);
    if (pending >= limits.pendingPerGrant || lastHour >= limits.perGrantPerHour) return { kind: "refused", why: "rate_limited" };
    const row = await tx.grantExtensionRequest.create({
      data: { grantId, userId: grant.userId, clientId: grant.clientId, reason: input.reason, recipients, maxMessages, createdAt: now, expiresAt: new Date(now.getTime() + limits.ttlSeconds * 1000) },
    });
    await appendAudit(
      tx,
      {
        type: "grant.extension_requested",
        outcome: "info",
        actorType: "agent",
        actorId: grant.clientId,
        subjectUserId: grant.userId,
        clientId: grant.clientId,
        grantId,
        reason: input.reason,
        details: { extension_id: row.id, recipients: [recipient], max_messages: maxMessages, expires_at: row.expiresAt.toISOString() },
      },
      now,
    );
    return { kind: "pending", request: pendingView(row), created: true };
  });
}

export interface ExtensionDecision {
  id: string;
  userId: string;
  decision: "approve" | "deny";
  /** Approve only: at most what was asked; absent = as asked. */
  maxMessages?: number;
  now: Date;
}

export type ExtensionDecisionResult = { status: "approved"; position: number; maxMessages: number } | { status: "denied" };

async function pendingRowFor(tx: Tx, id: string, userId: string, now: Date): Promise<RequestRow> {
  const row = id.length <= 100 ? await tx.grantExtensionRequest.findUnique({ where: { id } }) : null;
  if (!row) throw new ExtensionError(404, "not_found", "There is no such request.");
  if (row.userId !== userId) throw new ExtensionError(403, "forbidden", "Only the account that gave the grant can decide on this request.");
  const status = extensionStatus(row, now);
  if (status === "expired") throw new ExtensionError(400, "expired", "This request has expired. The agent can ask again.");
  if (status !== "pending") throw new ExtensionError(400, "already_decided", "This request was already decided.");
  return row;
}

/**
 * The owner's decision, once. Approval appends the entry (with the count the person chose,
 * never more than asked) to the grant's stored details and adds its budget; denial changes
 * nothing but the request. Both are audited with the request's id.
 */
export async function decideExtension(db: Db, input: ExtensionDecision): Promise<ExtensionDecisionResult> {
  const { now } = input;
  return writeTransaction(db, async (tx) => {
    const first = await pendingRowFor(tx, input.id, input.userId, now);
    await lockGrant(tx, first.grantId);
    const row = await pendingRowFor(tx, input.id, input.userId, now); // re-read under the lock
    const grant = await tx.grant.findUnique({ where: { id: row.grantId } });
    if (!grant || !grantIsLive(grant, now)) throw new ExtensionError(400, "grant_not_active", "The grant is no longer active, so it cannot be extended.");
    const recipients = recipientsOf(row);
    const audit = { actorType: "user" as const, actorId: input.userId, subjectUserId: row.userId, clientId: row.clientId, grantId: row.grantId };
    if (input.decision === "deny") {
      const taken = await tx.grantExtensionRequest.updateMany({ where: { id: row.id, status: "pending" }, data: { status: "denied", decidedAt: now, consentTokenHash: null } });
      if (taken.count !== 1) throw new ExtensionError(400, "already_decided", "This request was already decided.");
      await appendAudit(tx, { ...audit, type: "grant.extension_denied", outcome: "denied", reason: row.reason, details: { extension_id: row.id, recipients, max_messages: row.maxMessages } }, now);
      return { status: "denied" };
    }
    const granted = input.maxMessages ?? row.maxMessages;
    if (!Number.isInteger(granted) || granted < 1 || granted > row.maxMessages || granted > MAX_MESSAGES_PER_DETAIL) {
      throw new ExtensionError(400, "invalid_max_messages", `The message count can only be lowered, to a whole number from 1 to ${row.maxMessages}.`);
    }
    const before = grantedDetailsOf(grant);
    if (before.length >= MAX_GRANT_ENTRIES) throw new ExtensionError(400, "too_many_entries", "This grant cannot hold another permission.");
    const added = extensionEntry(recipients, granted);
    // Validated like any granted details, so the stored grant stays readable by every reader.
    const after = parseMessagingDetails([...before, added], { requireRecipients: true });
    const position = before.length;
    const taken = await tx.grantExtensionRequest.updateMany({ where: { id: row.id, status: "pending" }, data: { status: "approved", decidedAt: now, grantedMessages: granted, position, consentTokenHash: null } });
    if (taken.count !== 1) throw new ExtensionError(400, "already_decided", "This request was already decided.");
    await tx.grant.update({ where: { id: grant.id }, data: { authorizationDetails: JSON.stringify(after) } });
    await tx.grantEntry.create({ data: { grantId: grant.id, position, maxMessages: granted } });
    await appendAudit(
      tx,
      {
        ...audit,
        type: "grant.extended",
        outcome: "success",
        reason: row.reason,
        details: { extension_id: row.id, position, asked_max_messages: row.maxMessages, max_messages: granted, narrowed: granted < row.maxMessages, before, after },
      },
      now,
    );
    return { status: "approved", position, maxMessages: granted };
  });
}

/** The signed-in user's waiting extension requests, newest first (the pending list). */
export async function listPendingExtensions(db: Db, userId: string, now: Date): Promise<(PendingExtension & { clientId: string; createdAt: Date })[]> {
  const rows = await db.grantExtensionRequest.findMany({ where: { userId, status: "pending", expiresAt: { gt: now } }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: 50 });
  return rows.map((row) => ({ ...pendingView(row), clientId: row.clientId, createdAt: row.createdAt }));
}

/** The consent page's path for one extension request (under /consent: same security headers). */
export function extensionPagePath(id: string): string {
  return `/consent/extension/${encodeURIComponent(id)}`;
}
