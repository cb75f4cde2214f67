// The `messaging` authorization details type (RFC 9396; docs/mcp-clients.md). One definition serves
// the issuer (validation), the consent screen (words, narrowing), the MCP server and the
// messaging API (enforcement).
import { z } from "zod";
import { MAX_RECIPIENTS, MESSAGING_TYPE, messagingDetailWireSchema, type MessagingDetail } from "../contracts/authorization-details";
import { normalizeE164 } from "./phone";

// The limits of one `messaging` entry live in lib/contracts: requests, the consent form (its
// fields and its checks), narrowing and stored grants all read the same two constants.
export { MAX_MESSAGES_PER_DETAIL, MAX_RECIPIENTS, MESSAGING_ACTIONS, MESSAGING_TYPE, type MessagingDetail } from "../contracts/authorization-details";

/**
 * `malformed`: the parameter is not a JSON array at all (RFC 9396 section 5: invalid_request);
 * `invalid_entry`: an entry is wrong (invalid_authorization_details).
 */
export type AuthorizationDetailsErrorCode = "malformed" | "invalid_entry";

export class AuthorizationDetailsError extends Error {
  override name = "AuthorizationDetailsError";
  constructor(
    message: string,
    readonly code: AuthorizationDetailsErrorCode = "invalid_entry",
  ) {
    super(message);
  }
}

const recipient = z.string().transform((value, ctx) => {
  const e164 = normalizeE164(value);
  if (!e164) {
    ctx.addIssue({ code: "custom", message: `recipient ${JSON.stringify(value.slice(0, 40))} is not a phone number in international (E.164) form` });
    return z.NEVER;
  }
  return e164;
});

// The wire shape, with each recipient normalised to E.164.
const MessagingDetailSchema = messagingDetailWireSchema.extend({ recipients: z.array(recipient).max(MAX_RECIPIENTS).optional() }).strict();

function issueText(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "the value is invalid";
  const where = issue.path.length ? `${issue.path.join(".")}: ` : "";
  if (issue.code === "unrecognized_keys") return `unknown field ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  return `${where}${issue.message}`;
}

/**
 * Validates the `authorization_details` of a request (already JSON-parsed). Recipients may be
 * absent here (the user will pick them); `requireRecipients` is set for what gets granted.
 * Throws AuthorizationDetailsError with a message fit for `error_description`.
 */
export function parseMessagingDetails(raw: unknown, options: { requireRecipients?: boolean } = {}): MessagingDetail[] {
  if (!Array.isArray(raw)) throw new AuthorizationDetailsError("authorization_details must be a JSON array", "malformed");
  if (raw.length > 10) throw new AuthorizationDetailsError("too many authorization_details entries");
  return raw.map((entry, index) => {
    if (!entry || typeof entry !== "object" || Array.isArray(entry)) {
      throw new AuthorizationDetailsError(`authorization_details[${index}] must be an object`);
    }
    const type = (entry as { type?: unknown }).type;
    if (type !== MESSAGING_TYPE) {
      throw new AuthorizationDetailsError(`authorization_details[${index}]: unsupported type ${JSON.stringify(String(type)).slice(0, 60)}`);
    }
    const parsed = MessagingDetailSchema.safeParse(entry);
    if (!parsed.success) throw new AuthorizationDetailsError(`authorization_details[${index}]: ${issueText(parsed.error)}`);
    const recipients = parsed.data.recipients ? [...new Set(parsed.data.recipients)].sort() : undefined;
    if (options.requireRecipients && !recipients?.length) {
      throw new AuthorizationDetailsError(`authorization_details[${index}]: at least one recipient is required`);
    }
    const detail: MessagingDetail = { type: MESSAGING_TYPE, actions: [...new Set(parsed.data.actions)], recipients: recipients ?? [] };
    if (parsed.data.max_messages !== undefined) detail.max_messages = parsed.data.max_messages;
    return detail;
  });
}

/** Parses the `authorization_details` form/query parameter (a JSON string). */
export function parseAuthorizationDetailsParam(param: string | null | undefined, options?: { requireRecipients?: boolean }): MessagingDetail[] {
  if (param === null || param === undefined || param === "") return [];
  let raw: unknown;
  try {
    raw = JSON.parse(param);
  } catch {
    throw new AuthorizationDetailsError("authorization_details is not valid JSON", "malformed");
  }
  return parseMessagingDetails(raw, options);
}

/** The details stored in a grant or request row: a JSON column, validated when it was written. */
export function parseStoredDetails(json: string): MessagingDetail[] {
  return parseMessagingDetails(JSON.parse(json));
}
