// Message limits of `messaging` details: every entry is its own budget, exactly as the consent
// screen words it ("Send up to 1 message to +1 555-010-0123"). A send spends from one entry
// that covers its recipient; which one is decided here, and only here (docs/mcp-clients.md,
// "Message limits").
import type { EntryUsage } from "../contracts/grant-status";
import type { MessagingDetail } from "./messaging";

/** What one entry of a grant has spent: `position` is its index in the grant's details; a null `maxMessages` is no limit. */
export type { EntryUsage } from "../contracts/grant-status";

/**
 * One entry's limit as resource servers and clients see it. Wire names; as in the
 * authorization details themselves (RFC 9396), an entry without a limit has no max_messages,
 * and then no `left` either.
 */
export interface EntryLimit {
  entry: number;
  recipients: string[];
  max_messages?: number;
  used: number;
  left?: number;
}

function covers(detail: MessagingDetail, recipient: string): boolean {
  return detail.actions.includes("send") && detail.recipients.includes(recipient);
}

/**
 * The entries a send to `recipient` may spend from, best first. The rule:
 * 1. An entry without max_messages that covers the recipient, the first listed. The send is
 *    allowed by that entry whatever the others say, so charging a limited entry would only
 *    take a message away from that entry's other recipients.
 * 2. Otherwise the limited entries covering the recipient in the order they are listed (the
 *    order the consent screen shows them); the caller takes the first that has a message left.
 * An empty list means no entry covers the recipient.
 */
export function spendOrder(details: MessagingDetail[], recipient: string): number[] {
  const covering = details.flatMap((detail, position) => (covers(detail, recipient) ? [{ detail, position }] : []));
  const unlimited = covering.find(({ detail }) => detail.max_messages === undefined);
  return unlimited === undefined ? covering.map(({ position }) => position) : [unlimited.position];
}

function hasRoom(usage: EntryUsage | undefined): boolean {
  return usage !== undefined && (usage.maxMessages === null || usage.used < usage.maxMessages);
}

/** The entry a send to `recipient` would spend from now, or null when none has a message left. */
export function entryToSpend(details: MessagingDetail[], usage: EntryUsage[], recipient: string): number | null {
  const byPosition = new Map(usage.map((u) => [u.position, u]));
  return spendOrder(details, recipient).find((position) => hasRoom(byPosition.get(position))) ?? null;
}

/** Each entry's limit, used and left, in the order of the details. */
export function entryLimits(details: MessagingDetail[], usage: EntryUsage[]): EntryLimit[] {
  const byPosition = new Map(usage.map((u) => [u.position, u]));
  return details.map((detail, entry) => {
    const used = byPosition.get(entry)?.used ?? 0;
    const max = detail.max_messages;
    if (max === undefined) return { entry, recipients: detail.recipients, used };
    return { entry, recipients: detail.recipients, max_messages: max, used, left: Math.max(0, max - used) };
  });
}
