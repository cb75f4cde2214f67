// A send, end to end: accept (quota + Message + audit + the first attempt's lease, one
// transaction), deliver, record the outcome (a second transaction).
// Used by the messaging API; a replay of an Idempotency-Key returns the first message and
// never sends again.
import type { Deps } from "../deps";
import { acceptMessage, type AcceptInput, type AcceptOptions, type MessageRecord } from "./accept";
import { deliverUnderLease, type OutcomeRecorder } from "./deliver";
import { PROCESS_HOLDER } from "./lease";
import type { MessagingProvider } from "./providers";

export async function sendMessage(
  deps: Deps,
  provider: MessagingProvider,
  input: AcceptInput,
  options: Pick<AcceptOptions, "grants"> & { recordOutcome?: OutcomeRecorder } = {},
): Promise<{ message: MessageRecord; replayed: boolean }> {
  const { message, replayed, lease } = await acceptMessage(deps, input, { ...options, claimFor: PROCESS_HOLDER });
  if (replayed || !lease) return { message, replayed };
  return { message: await deliverUnderLease(deps, provider, lease, options.recordOutcome), replayed };
}

/** The wire form of a message for API clients (snake_case; the body is the sender's own). */
export function messageView(m: MessageRecord) {
  return {
    id: m.id,
    to: m.recipient,
    status: m.status,
    provider: m.provider,
    grant_id: m.grantId,
    created_at: m.createdAt.toISOString(),
    delivered_at: m.deliveredAt?.toISOString() ?? null,
    error: m.error ?? null,
  };
}
