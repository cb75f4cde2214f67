// In-call consent (docs/mcp-clients.md, "In-call consent"): when send_message is denied
// because the recipient is outside the grant or the covering entries are spent, the grant's
// owner is asked, on their own device, to extend the grant by exactly that recipient and a
// message count. The agent gets a link to that request's consent page instead of a plain
// denial, in its protocol era's words (tools/results.ts urlConsentAnswer): the input-required
// result in 2026-07-28, the URL elicitation required error (-32042) in 2025-11-25.
//
// The request carries typed fields only (the recipient from the denial, a whole number of
// messages); everything the person reads is worded by the server (lib/grants/extensions.ts).
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { entryToSpend } from "@/lib/authorization-details";
import { extensionPagePath, MAX_EXTENSION_MESSAGES, type ExtensionReason, type PendingExtension } from "@/lib/grants/extensions";
import { MessagingDenial } from "@/lib/messaging/policy";
import type { CallState, McpContext } from "../context";
import { auditToolCall } from "./audit";
import type { UrlConsent } from "./results";
import { requireLiveGrant } from "./grant-check";

const EXTENDABLE: readonly string[] = ["recipient_not_allowed", "quota_exhausted"] satisfies ExtensionReason[];

/** The `_meta` key on each elicitation that tells the agent until when the link is good. */
export const EXPIRES_AT_META = "agentgrants/expires_at";

/** Thrown instead of the denial: the call can go on once the owner approves the extension. */
export class ExtensionRequiredError extends Error {
  override name = "ExtensionRequiredError";
  constructor(
    readonly denial: MessagingDenial,
    readonly extension: PendingExtension & { url: string },
  ) {
    super(extensionMessage(extension));
  }

  /** The link and its wording, answered per protocol era by urlConsentAnswer (tools/results.ts). */
  toUrlConsent(): UrlConsent {
    const { id, url, expiresAt } = this.extension;
    return { id, url, message: this.message, _meta: { [EXPIRES_AT_META]: expiresAt.toISOString() } };
  }
}

function extensionMessage(x: PendingExtension): string {
  return `This needs your approval: also allow "${x.words}" on this grant. Approve, lower or deny it on the linked page before ${x.expiresAt.toISOString()}.`;
}

/** The grant allows the send now; the caller's token predates the extension. */
function grantExtended(recipient: string): MessagingDenial {
  return new MessagingDenial("grant_extended", "The grant was extended after this access token was issued: get a new access token (refresh_token grant) and call again.", { recipient });
}

function recipientOf(denial: MessagingDenial): string | null {
  const r = denial.details.recipient;
  return typeof r === "string" ? r : null;
}

/**
 * Runs a send; when it is denied for a recipient outside the grant or a spent quota, asks
 * for an extension and throws ExtensionRequiredError with its link. If the live grant already
 * allows the send (an extension was approved after this token was issued), the denial says to
 * get a new token instead. Every other outcome passes through unchanged.
 */
export async function offerExtensionOnDenial(ctx: McpContext, call: CallState, askedMessages: number | undefined, send: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await send();
  } catch (err) {
    if (!(err instanceof MessagingDenial) || !EXTENDABLE.includes(err.code)) throw err;
    const recipient = recipientOf(err);
    if (!recipient) throw err;
    return askForExtension(ctx, call, err, recipient, askedMessages ?? 1);
  }
}

async function askForExtension(ctx: McpContext, call: CallState, denial: MessagingDenial, recipient: string, askedMessages: number): Promise<never> {
  const grantId = call.auth.claims.grant_id;
  ctx.grants.forget(grantId); // decide on the grant as it is now, not as cached
  const live = await requireLiveGrant(ctx, call);
  const chain = live.chain ?? [];
  const [only] = chain;
  if (chain.length === 1 && only && entryToSpend(only.details, only.entries, recipient) !== null) throw grantExtended(recipient);
  const outcome = await ctx.extensions.request({
    grantId,
    recipient,
    maxMessages: Math.min(askedMessages, MAX_EXTENSION_MESSAGES),
    reason: denial.code as ExtensionReason,
    limits: ctx.config.extensionRequests,
    now: ctx.now(),
  });
  if (outcome.kind === "covered") throw grantExtended(recipient);
  if (outcome.kind === "denied") {
    throw new MessagingDenial(denial.code, `${denial.message} The grant's owner declined to extend it.`, { ...denial.details, extension: { id: outcome.requestId, status: "denied" } });
  }
  if (outcome.kind === "refused") {
    throw new MessagingDenial(denial.code, denial.message, { ...denial.details, extension: { status: "unavailable", reason: outcome.why } });
  }
  const url = `${ctx.config.issuerUrl}${extensionPagePath(outcome.request.id)}`;
  await auditToolCall(ctx, call, { tool: "send_message", allowed: false, reason: denial.code, details: { limit: denial.limit, recipient, extension_id: outcome.request.id } });
  throw new ExtensionRequiredError(denial, { ...outcome.request, url });
}
