// The denial wire format, shared by the MCP server's tool results and the messaging API's JSON
// errors: `error` is a stable code a client can act on, `limit` names which limit of the grant
// stopped the call (docs/mcp-clients.md), `error_description` is for people.
import { z } from "zod";
import { GRANT_DENIAL_REASONS } from "./grant-status";

export const DENIAL_CODES = [
  "insufficient_scope",
  "invalid_recipient",
  "recipient_not_allowed",
  "quota_exhausted",
  ...GRANT_DENIAL_REASONS,
  "grant_extended",
  "invalid_request",
  "idempotency_key_reused",
] as const;
export type DenialCode = (typeof DENIAL_CODES)[number];

/** Which limit of the grant a denial is about. */
export type DenialLimit = "scope" | "recipients" | "max_messages" | "grant" | "request";

export const DENIAL_LIMIT: Readonly<Record<DenialCode, DenialLimit>> = {
  insufficient_scope: "scope",
  invalid_recipient: "recipients",
  recipient_not_allowed: "recipients",
  quota_exhausted: "max_messages",
  grant_revoked: "grant",
  grant_expired: "grant",
  grant_not_found: "grant",
  account_disabled: "grant",
  token_revoked: "grant",
  // In-call consent: the grant now allows the call, the token (issued before) does not.
  grant_extended: "grant",
  invalid_request: "request",
  idempotency_key_reused: "request",
};

/** A denial as answered; further fields (`required_scope`, `recipient`, ...) depend on the code. */
export const denialWireSchema = z.looseObject({
  error: z.enum(DENIAL_CODES),
  limit: z.enum(["scope", "recipients", "max_messages", "grant", "request"]),
  error_description: z.string(),
});
export type DenialWire = z.infer<typeof denialWireSchema>;
