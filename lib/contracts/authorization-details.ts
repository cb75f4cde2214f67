// The `messaging` authorization details type (RFC 9396) as it travels: in requests, in granted
// tokens, in introspection answers. Phone-number normalisation is the issuer's business
// (lib/authorization-details/messaging.ts builds on this shape); the limits are here so that
// the request, the consent form, narrowing and enforcement all read the same numbers.
import { z } from "zod";

export const MESSAGING_TYPE = "messaging";
export const MESSAGING_ACTIONS = ["send"] as const;
export const MAX_RECIPIENTS = 20;
export const MAX_MESSAGES_PER_DETAIL = 10_000;

export interface MessagingDetail {
  type: "messaging";
  actions: (typeof MESSAGING_ACTIONS)[number][];
  /** E.164, deduplicated, sorted. Never empty once granted. */
  recipients: string[];
  max_messages?: number;
}

/** One `messaging` entry on the wire; `recipients` are any strings here (the issuer normalises them). */
export const messagingDetailWireSchema = z
  .object({
    type: z.literal(MESSAGING_TYPE),
    actions: z.array(z.enum(MESSAGING_ACTIONS)).min(1).default(["send"]),
    // RFC 9396 section 2: a request may omit a field; the user then supplies it on consent.
    recipients: z.array(z.string()).max(MAX_RECIPIENTS).optional(),
    max_messages: z.number().int().positive().max(MAX_MESSAGES_PER_DETAIL).optional(),
  })
  .strict();
