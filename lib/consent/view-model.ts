// What the consent page shows, from the stored request alone (style.md 5): who asks (client
// name, where the answer goes, whether the client is new or unverified), what for (in words),
// and for how long. Showing the page binds an authorize request to the signed-in user, issues
// a fresh single-use consent token and records consent.shown.
import { appendAudit } from "../audit/append";
import { describeScope, durationInWords, formatPhone, type MessagingDetail, parseStoredDetails } from "../authorization-details";
import { describeMessagingDetail } from "../authorization-details/words";
import { writeTransaction } from "../db";
import type { Deps } from "../deps";
import { hasInvalidCharacters } from "../http/text";
import { loadClient } from "../oauth/clients/store";
import { lifetimeOptions, proposedLifetime } from "./lifetime";
import { newConsentToken } from "./token";
import { mayDecide, NOT_THE_DECIDER } from "./decider";

/** A client registered within this window is flagged "newly registered". */
const NEW_CLIENT_SECONDS = 7 * 24 * 3600;

export interface DetailView {
  index: number;
  /** "Send up to 3 messages to +1 555-010-0123" (no time: the page adds the chosen duration). */
  words: string;
  recipients: { e164: string; display: string }[];
  /** No recipients were asked: the user must enter them. */
  open: boolean;
  maxMessages: number | null;
}

export interface ConsentView {
  requestId: string;
  flow: "authorize" | "ciba" | "device";
  client: {
    id: string;
    name: string;
    named: boolean;
    newlyRegistered: boolean;
    /** When this issuer first saw the client (its registration). */
    firstSeen: Date;
    verified: boolean;
    kind: string;
    documentHost: string | null;
  };
  /** Where the answer goes (authorize flow): the redirect URI's host. */
  redirectHost: string | null;
  bindingMessage: string | null;
  resource: string;
  resourceName: string;
  scopes: { value: string; words: string }[];
  details: DetailView[];
  /** The most the agent could do if approved as asked, one sentence per line. */
  summary: string[];
  lifetime: { proposedSeconds: number; proposedWords: string; proposedUntil: Date; options: { seconds: number; words: string }[] };
  consentToken: string;
  expiresAt: Date;
}

export type ConsentPageState =
  | { kind: "show"; view: ConsentView }
  | { kind: "not_found" }
  | { kind: "forbidden"; reason: string }
  | { kind: "unclaimed" }
  | { kind: "finished"; status: "approved" | "denied" | "expired" | "consumed"; flow: string };

type Row = NonNullable<Awaited<ReturnType<Deps["db"]["authorizationRequest"]["findUnique"]>>>;

function resourceName(deps: Deps, resource: string): string {
  if (resource === deps.config.mcpResourceUrl) return "the messaging tools (MCP server)";
  if (resource === deps.config.messagingResourceUrl) return "the messaging API";
  return resource;
}

function detailViews(details: MessagingDetail[]): DetailView[] {
  return details.map((d, index) => ({
    index,
    words: describeMessagingDetail(d),
    recipients: d.recipients.map((e164) => ({ e164, display: formatPhone(e164) })),
    open: d.recipients.length === 0,
    maxMessages: d.max_messages ?? null,
  }));
}

/**
 * The most an approval as asked allows, in plain words: every entry is its own budget, so the
 * total is their sum (lib/authorization-details/quota.ts); an entry without max_messages makes
 * it unbounded. The user's edits on the form can only lower it.
 */
export function maximumInWords(details: MessagingDetail[], scopes: string[], lifetimeWords: string): string[] {
  const lines: string[] = [];
  if (details.length) {
    const limits = details.map((d) => d.max_messages);
    const total = limits.every((n): n is number => n !== undefined) ? limits.reduce((a, b) => a + b, 0) : null;
    const count = total === null ? "any number of text messages (no limit was asked)" : `at most ${total} text message${total === 1 ? "" : "s"} in all`;
    const named = new Set(details.flatMap((d) => d.recipients)).size;
    const open = details.some((d) => d.recipients.length === 0);
    const to = [named ? `${named} phone number${named === 1 ? "" : "s"} listed below` : "", open ? "the recipients you enter below" : ""].filter(Boolean).join(" and ");
    lines.push(`Send ${count}, only to ${to}.`);
  }
  for (const scope of scopes) if (!(scope === "messages:send" && details.length)) lines.push(`${describeScope(scope)}.`);
  lines.push(`For ${lifetimeWords} at most, and only until you revoke it.`);
  return lines;
}

function hostOf(uri: string | null): string | null {
  if (!uri) return null;
  try {
    const u = new URL(uri);
    return u.host || `${u.protocol}${u.pathname}`;
  } catch {
    return null;
  }
}

/** Who may decide: the user the request names; an authorize request is bound on first view. */
async function bindUser(deps: Deps, row: Row, userId: string): Promise<ConsentPageState | null> {
  if (mayDecide(row, userId)) return null;
  if (row.userId) return { kind: "forbidden", reason: NOT_THE_DECIDER };
  if (row.flow === "device") return { kind: "unclaimed" };
  if (row.flow !== "authorize") return { kind: "forbidden", reason: NOT_THE_DECIDER };
  const bound = await deps.db.authorizationRequest.updateMany({ where: { id: row.id, userId: null }, data: { userId } });
  return bound.count === 1 ? null : { kind: "forbidden", reason: NOT_THE_DECIDER };
}

export async function loadConsentPage(deps: Deps, requestId: string, userId: string): Promise<ConsentPageState> {
  const row = requestId.length <= 100 && !hasInvalidCharacters(requestId) ? await deps.db.authorizationRequest.findUnique({ where: { id: requestId } }) : null;
  if (!row || row.parRequestUriHash) return { kind: "not_found" };
  const denied = await bindUser(deps, row, userId);
  if (denied) return denied;
  const now = deps.now();
  if (row.status !== "pending") return { kind: "finished", status: row.status as "approved", flow: row.flow };
  if (row.expiresAt <= now) return { kind: "finished", status: "expired", flow: row.flow };

  const client = await loadClient(deps.db, row.clientId);
  if (!client) return { kind: "not_found" };
  const proposed = proposedLifetime(row.requestedExpiry, deps.config);
  const { token, hash } = newConsentToken();
  await writeTransaction(deps.db, async (tx) => {
    await tx.authorizationRequest.update({ where: { id: row.id }, data: { consentTokenHash: hash } });
    // Audited once per request, not on every reload.
    if (!row.consentTokenHash) {
      await appendAudit(
        tx,
        { type: "consent.shown", outcome: "info", actorType: "user", actorId: userId, subjectUserId: userId, clientId: row.clientId, details: { request_id: row.id, flow: row.flow } },
        now,
      );
    }
  });
  const details = parseStoredDetails(row.authorizationDetails);
  const scopes = row.scope.split(" ").filter(Boolean);
  return {
    kind: "show",
    view: {
      requestId: row.id,
      flow: row.flow as ConsentView["flow"],
      client: {
        id: client.id,
        name: client.name ?? client.id,
        named: Boolean(client.name),
        // Self-registered clients only: an operator-registered client is vouched for.
        newlyRegistered:
          (client.kind === "dynamic" || client.kind === "metadata_document") && now.getTime() - client.createdAt.getTime() < NEW_CLIENT_SECONDS * 1000,
        firstSeen: client.createdAt,
        verified: client.verified,
        kind: client.kind,
        documentHost: client.kind === "metadata_document" ? hostOf(client.id) : null,
      },
      redirectHost: row.flow === "authorize" ? hostOf(row.redirectUri) : null,
      bindingMessage: row.bindingMessage,
      resource: row.resource,
      resourceName: resourceName(deps, row.resource),
      scopes: scopes.map((value) => ({ value, words: describeScope(value) })),
      details: detailViews(details),
      summary: maximumInWords(details, scopes, durationInWords(proposed)),
      lifetime: {
        proposedSeconds: proposed,
        proposedWords: durationInWords(proposed),
        proposedUntil: new Date(now.getTime() + proposed * 1000),
        options: lifetimeOptions(proposed).map((seconds) => ({ seconds, words: durationInWords(seconds) })),
      },
      consentToken: token,
      expiresAt: row.expiresAt,
    },
  };
}
