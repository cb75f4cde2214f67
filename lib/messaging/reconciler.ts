// Re-drives the outbox. A message stays pending when its process was killed between
// committing it and recording its delivery, or when the provider failed in a retryable way
// (down, 5xx, 429, or too slow to answer). Periodically, in the web app and in the MCP server
// alike, each pending message whose lease is free and whose backoff has passed is delivered
// again through deliverMessage, which takes the lease first (lease.ts): however many
// reconcilers run on one database, one provider call at a time per message, each with the
// message id as idempotency key, at most MESSAGING_MAX_ATTEMPTS calls in all. A message out
// of attempts, or pending past `giveUpAfterMs`, is marked failed, so nothing stays pending.
import type { Deps } from "../deps";
import { deliverMessage, giveUp } from "./deliver";
import { leaseFree, PROCESS_HOLDER, retryDue } from "./lease";
import type { MessagingProvider } from "./providers";
import { errorMessage } from "../error-message";

export interface ReconcileOptions {
  /** Only messages older than this: a younger one is still being delivered by the request that accepted it. */
  olderThanMs?: number;
  giveUpAfterMs?: number;
  batchSize?: number;
  /** Who takes the leases (default: this process). */
  holder?: string;
}

export interface ReconcileResult {
  delivered: number;
  failed: number;
  stillPending: number;
}

export async function reconcileOutbox(deps: Deps, provider: MessagingProvider, options: ReconcileOptions = {}): Promise<ReconcileResult> {
  const { delivery } = deps.config;
  const olderThanMs = options.olderThanMs ?? delivery.providerTimeoutMs * 3;
  const giveUpAfterMs = options.giveUpAfterMs ?? 24 * 3600_000;
  const now = deps.now();
  const pending = await deps.db.message.findMany({
    where: { status: "pending", createdAt: { lte: new Date(now.getTime() - olderThanMs) }, AND: [leaseFree(now), retryDue(now)] },
    orderBy: { createdAt: "asc" },
    take: options.batchSize ?? 100,
  });
  const result: ReconcileResult = { delivered: 0, failed: 0, stillPending: 0 };
  for (const message of pending) {
    const after =
      message.attempts >= delivery.maxAttempts
        ? await giveUp(deps, message, `gave up after ${message.attempts} attempts`)
        : message.createdAt.getTime() <= now.getTime() - giveUpAfterMs
          ? await giveUp(deps, message, "not delivered in time; gave up")
          : await deliverMessage(deps, provider, message, options.holder ?? PROCESS_HOLDER);
    if (after.status === "delivered") result.delivered++;
    else if (after.status === "failed") result.failed++;
    else result.stillPending++;
  }
  return result;
}

/** Runs the reconciler now and then every `intervalMs`; returns a stop function. */
export function startReconciler(deps: Deps, provider: MessagingProvider, intervalMs = 30_000, options: ReconcileOptions = {}): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const r = await reconcileOutbox(deps, provider, options);
      if (r.delivered || r.failed) console.log(`outbox: re-drove ${r.delivered} delivered, ${r.failed} failed, ${r.stillPending} still pending`);
    } catch (err) {
      console.error(`outbox: reconciler failed: ${errorMessage(err)}`);
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
