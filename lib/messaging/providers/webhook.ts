// The webhook provider: POSTs each message as JSON to a configured URL. The receiver can
// deduplicate on Idempotency-Key (the message id, the same on every attempt: a call that timed
// out may have been accepted, and is retried) and authenticate the call with an HMAC-SHA256 signature over "timestamp.body".
import { createHmac } from "node:crypto";
import { httpFailure, networkFailure, DEFAULT_PROVIDER_TIMEOUT_MS, type MessagingProvider } from "./types";

export interface WebhookOptions {
  url: string;
  secret?: string;
  fetch?: typeof fetch;
  /** Abort the call after this long; the outcome is then unknown and the message is retried with the same key. */
  timeoutMs?: number;
  now?: () => Date;
}

export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

export function webhookProvider(options: WebhookOptions): MessagingProvider {
  const fetchFn = options.fetch ?? fetch;
  return {
    name: "webhook",
    async send(message) {
      const body = JSON.stringify({
        id: message.id,
        to: message.to,
        body: message.body,
        grant_id: message.grantId,
        created_at: message.createdAt.toISOString(),
      });
      const timestamp = String(Math.floor((options.now?.() ?? new Date()).getTime() / 1000));
      const headers: Record<string, string> = { "Content-Type": "application/json", "Idempotency-Key": message.id, "X-Webhook-Timestamp": timestamp };
      if (options.secret) headers["X-Webhook-Signature"] = webhookSignature(options.secret, timestamp, body);
      let res: Response;
      try {
        res = await fetchFn(options.url, { method: "POST", headers, body, signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_PROVIDER_TIMEOUT_MS), redirect: "error" });
      } catch (err) {
        return { ok: false, ...networkFailure(err) };
      }
      await res.body?.cancel();
      if (!res.ok) return { ok: false, ...httpFailure(res.status) };
      return { ok: true, providerMessageId: `webhook_${message.id}` };
    },
  };
}
