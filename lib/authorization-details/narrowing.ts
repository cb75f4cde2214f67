// Comparing and narrowing `messaging` details. A grant, a refreshed token or an exchanged
// token may carry less than what was approved, never more (RFC 9396 section 6.1, RFC 8693).
import { MAX_MESSAGES_PER_DETAIL, MAX_RECIPIENTS, type MessagingDetail } from "./messaging";

function detailWithin(candidate: MessagingDetail, allowed: MessagingDetail): boolean {
  if (!candidate.actions.every((a) => allowed.actions.includes(a))) return false;
  if (!candidate.recipients.every((r) => allowed.recipients.includes(r))) return false;
  if (allowed.max_messages !== undefined) {
    if (candidate.max_messages === undefined || candidate.max_messages > allowed.max_messages) return false;
  }
  return true;
}

/** True when every entry of `candidate` is covered by one entry of `allowed`. */
export function isWithin(candidate: MessagingDetail[], allowed: MessagingDetail[]): boolean {
  return candidate.every((c) => allowed.some((a) => detailWithin(c, a)));
}

export interface Narrowing {
  /** Recipients the user kept (E.164). Must be a subset of what was asked, when anything was asked. */
  recipients: string[];
  maxMessages?: number;
}

/** An edit that cannot be granted, naming the field the user has to correct. */
export class NarrowingError extends Error {
  override name = "NarrowingError";
  constructor(
    readonly field: "recipients" | "max_messages",
    message: string,
  ) {
    super(message);
  }
}

/**
 * What the user approves, from what was asked and the user's edits on the consent screen.
 * Throws NarrowingError when the edit would widen the request (so a tampered form cannot
 * grant more) or break the limits every grant keeps (MAX_RECIPIENTS, MAX_MESSAGES_PER_DETAIL).
 */
export function narrowDetails(requested: MessagingDetail[], edit: Narrowing[]): MessagingDetail[] {
  const mismatch = () => new NarrowingError("recipients", "the decision does not match the request");
  if (edit.length !== requested.length) throw mismatch();
  return requested.map((asked, i) => {
    const decided = edit[i];
    if (!decided) throw mismatch();
    const { recipients, maxMessages } = decided;
    const kept = [...new Set(recipients)].sort();
    if (!kept.length) throw new NarrowingError("recipients", "keep at least one recipient");
    if (kept.length > MAX_RECIPIENTS) throw new NarrowingError("recipients", `at most ${MAX_RECIPIENTS} recipients`);
    // An open request (no recipients) lets the user choose; otherwise only drop.
    if (asked.recipients.length && !kept.every((r) => asked.recipients.includes(r))) {
      throw new NarrowingError("recipients", "recipients can only be removed");
    }
    const limit = maxMessages ?? asked.max_messages;
    if (asked.max_messages !== undefined && (limit === undefined || limit > asked.max_messages)) {
      throw new NarrowingError("max_messages", "the message limit can only be lowered");
    }
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > MAX_MESSAGES_PER_DETAIL)) {
      throw new NarrowingError("max_messages", `the message limit must be a whole number from 1 to ${MAX_MESSAGES_PER_DETAIL}`);
    }
    const granted: MessagingDetail = { type: "messaging", actions: asked.actions, recipients: kept };
    if (limit !== undefined) granted.max_messages = limit;
    return granted;
  });
}

/** True when the approval kept less than was asked (for the consent.narrowed event). */
export function wasNarrowed(requested: MessagingDetail[], granted: MessagingDetail[]): boolean {
  return JSON.stringify(requested) !== JSON.stringify(granted);
}
