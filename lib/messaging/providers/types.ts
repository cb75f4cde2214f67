// A delivery channel for messages. Providers are called after the message is committed
// (outbox pattern) and may be called again for the same message after a timeout (whose
// outcome is unknown: the channel may have accepted it), so each passes the message id along
// as an idempotency key where the channel supports one (docs/outbox.md, "Delivery").
export interface OutgoingMessage {
  id: string;
  to: string;
  body: string;
  grantId: string;
  userId: string;
  createdAt: Date;
}

export type DeliveryResult =
  | { ok: true; providerMessageId: string }
  /** retryable: the channel may not have received it (network error, 5xx, 429); the reconciler tries again. */
  | { ok: false; error: string; retryable: boolean };

export interface MessagingProvider {
  readonly name: "sandbox" | "twilio" | "webhook";
  send(message: OutgoingMessage): Promise<DeliveryResult>;
}

/** How long a provider call may take when the caller names no limit (MESSAGING_PROVIDER_TIMEOUT_SECONDS). */
export const DEFAULT_PROVIDER_TIMEOUT_MS = 10_000;

/** A short, log-safe description of a failed HTTP call (never the request body or credentials). */
export function httpFailure(status: number): { error: string; retryable: boolean } {
  return { error: `provider answered HTTP ${status}`, retryable: status === 429 || status >= 500 };
}

export function networkFailure(err: unknown): { error: string; retryable: boolean } {
  const name = err instanceof Error ? err.name : "Error";
  return { error: name === "TimeoutError" ? "provider timed out" : "provider unreachable", retryable: true };
}
