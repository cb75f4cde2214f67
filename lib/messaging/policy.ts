// The authorization checks for messaging, shared by the MCP server (on every tool call) and
// the messaging API (again, on every request): scope, recipient, grant liveness. Each failure
// is a MessagingDenial naming the limit that stopped it, so clients can act on it.
import { normalizeE164, type MessagingDetail } from "../authorization-details";
import { DENIAL_LIMIT, type DenialCode, type DenialLimit } from "../contracts/denial";

export type { DenialCode, DenialLimit } from "../contracts/denial";

export class MessagingDenial extends Error {
  override name = "MessagingDenial";
  readonly limit: DenialLimit;
  constructor(
    readonly code: DenialCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.limit = DENIAL_LIMIT[code];
  }

  toJSON() {
    return { error: this.code, limit: this.limit, error_description: this.message, ...this.details };
  }
}

export const SCOPE_SEND = "messages:send";
export const SCOPE_READ = "messages:read";

/** The denial for a token without the `needed` scope; null when it has it. */
export function scopeDenial(scopes: string[], needed: string): MessagingDenial | null {
  if (scopes.includes(needed)) return null;
  return new MessagingDenial("insufficient_scope", `This needs the ${needed} scope, which the grant does not include.`, { required_scope: needed });
}

/** Every recipient the details allow for sending. */
export function allowedRecipients(details: MessagingDetail[]): string[] {
  return [...new Set(details.filter((d) => d.actions.includes("send")).flatMap((d) => d.recipients))].sort();
}

/** The recipient in E.164 form, when the grant allows it; otherwise a denial naming the limit. */
export function checkRecipient(to: unknown, details: MessagingDetail[]): string {
  const e164 = typeof to === "string" ? normalizeE164(to) : null;
  if (!e164) {
    throw new MessagingDenial("invalid_recipient", "The recipient must be a phone number in international form, such as +15550100123.");
  }
  const allowed = allowedRecipients(details);
  if (!allowed.includes(e164)) {
    throw new MessagingDenial("recipient_not_allowed", `The grant does not allow sending to ${e164}.`, { recipient: e164, allowed_recipients: allowed });
  }
  return e164;
}

/**
 * Every entry of the grant that covers `recipient` has spent its max_messages. Other
 * recipients may still have messages left in their own entries (docs/mcp-clients.md).
 */
export function quotaDenial(recipient: string): MessagingDenial {
  return new MessagingDenial("quota_exhausted", `The grant's message limit for ${recipient} has been reached.`, { recipient, uses_left: 0 });
}

export const MAX_BODY_LENGTH = 1600;

export function checkBody(body: unknown): string {
  if (typeof body !== "string" || body.trim() === "") throw new MessagingDenial("invalid_request", "The message body must be a non-empty string.");
  if (body.length > MAX_BODY_LENGTH) throw new MessagingDenial("invalid_request", `The message body is longer than ${MAX_BODY_LENGTH} characters.`);
  return body;
}

export function denialForGrantReason(reason: string | undefined): MessagingDenial {
  switch (reason) {
    case "grant_revoked":
      return new MessagingDenial("grant_revoked", "The grant has been revoked.");
    case "grant_expired":
      return new MessagingDenial("grant_expired", "The grant has expired.");
    case "account_disabled":
      return new MessagingDenial("account_disabled", "The account that approved the grant is disabled.");
    case "token_revoked":
      return new MessagingDenial("token_revoked", "The access token has been revoked.");
    default:
      return new MessagingDenial("grant_not_found", "The grant no longer exists.");
  }
}
