// What the consent page for an in-call extension shows (docs/mcp-clients.md, "In-call
// consent"): exactly the one entry the agent asks to add, worded by the server, next to what
// the grant already allows (the original task as approved, with what is used). Only the
// grant's owner sees it; every view issues a fresh single-use consent token (lib/consent/token.ts).
import { entryLimits, entryUsageInWords, formatPhone } from "../authorization-details";
import { describeMessagingDetail } from "../authorization-details/words";
import type { Deps } from "../deps";
import { grantedDetailsOf } from "../grants/create";
import { extensionEntry, extensionStatus, type ExtensionStatus } from "../grants/extensions";
import { hasInvalidCharacters } from "../http/text";
import { newConsentToken } from "./token";

export interface ExtensionView {
  id: string;
  agent: string;
  /** "Send up to 2 messages to +1 555-010-0999". */
  words: string;
  recipients: string[];
  maxMessages: number;
  reason: "recipient_not_allowed" | "quota_exhausted";
  /** The grant as it stands: one line per entry, with its usage. */
  current: string[];
  /** The original request's binding message (CIBA), when there was one. */
  bindingMessage: string | null;
  grantExpiresAt: Date;
  expiresAt: Date;
  consentToken: string;
}

export type ExtensionPageState =
  | { kind: "show"; view: ExtensionView }
  | { kind: "not_found" }
  | { kind: "forbidden" }
  | { kind: "finished"; status: Exclude<ExtensionStatus, "pending"> | "grant_ended"; grantedMessages: number | null };

export async function loadExtensionPage(deps: Deps, id: string, userId: string): Promise<ExtensionPageState> {
  const row = id.length <= 100 && !hasInvalidCharacters(id) ? await deps.db.grantExtensionRequest.findUnique({ where: { id } }) : null;
  if (!row) return { kind: "not_found" };
  if (row.userId !== userId) return { kind: "forbidden" };
  const now = deps.now();
  const status = extensionStatus(row, now);
  if (status !== "pending") return { kind: "finished", status, grantedMessages: row.grantedMessages };
  const grant = await deps.db.grant.findUnique({ where: { id: row.grantId }, include: { client: { select: { name: true } }, entries: { select: { position: true, maxMessages: true, used: true } } } });
  if (!grant || grant.status !== "active" || grant.expiresAt <= now) return { kind: "finished", status: "grant_ended", grantedMessages: null };
  const original = grant.requestId ? await deps.db.authorizationRequest.findUnique({ where: { id: grant.requestId }, select: { bindingMessage: true } }) : null;
  const details = grantedDetailsOf(grant);
  const limits = entryLimits(details, grant.entries);
  const recipients = JSON.parse(row.recipients) as string[];
  const { token, hash } = newConsentToken();
  await deps.db.grantExtensionRequest.updateMany({ where: { id: row.id, status: "pending" }, data: { consentTokenHash: hash } });
  return {
    kind: "show",
    view: {
      id: row.id,
      agent: grant.client.name || grant.clientId,
      words: describeMessagingDetail(extensionEntry(recipients, row.maxMessages)),
      recipients: recipients.map(formatPhone),
      maxMessages: row.maxMessages,
      reason: row.reason as ExtensionView["reason"],
      // entryLimits gives one limit per detail, in the same order.
      current: details.map((d, i) => {
        const limit = limits[i];
        return limit ? `${describeMessagingDetail(d)} (${entryUsageInWords(limit)})` : describeMessagingDetail(d);
      }),
      bindingMessage: original?.bindingMessage ?? null,
      grantExpiresAt: grant.expiresAt,
      expiresAt: row.expiresAt,
      consentToken: token,
    },
  };
}
