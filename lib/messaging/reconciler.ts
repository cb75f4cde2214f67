// Re-drives the outbox. A process killed between committing a Message (pending) and
// recording its delivery leaves a pending row; on startup and periodically, every message
// pending for longer than a delivery can take is delivered again (providers receive the
// message id as idempotency handle) and its outcome recorded once (deliver.ts). Messages
// that stay undeliverable past `giveUpAfterMs` are marked failed, so nothing stays pending.
import type { Deps } from "../deps";
import { deliverMessage, recordOutcome } from "./deliver";
import type { MessagingProvider } from "./providers";
import { PROVIDER_TIMEOUT_MS } from "./providers/types";

export interface ReconcileOptions {
  /** Only messages older than this: younger ones may still be in flight in another process. */
  olderThanMs?: number;
  giveUpAfterMs?: number;
  batchSize?: number;
}

export interface ReconcileResult {
  delivered: number;
  failed: number;
  stillPending: number;
}

export async function reconcileOutbox(deps: Deps, provider: MessagingProvider, options: ReconcileOptions = {}): Promise<ReconcileResult> {
  const olderThanMs = options.olderThanMs ?? PROVIDER_TIMEOUT_MS * 3;
  const giveUpAfterMs = options.giveUpAfterMs ?? 24 * 3600_000;
  const now = deps.now().getTime();
  const pending = await deps.db.message.findMany({
    where: { status: "pending", createdAt: { lte: new Date(now - olderThanMs) } },
    orderBy: { createdAt: "asc" },
    take: options.batchSize ?? 100,
  });
  const result: ReconcileResult = { delivered: 0, failed: 0, stillPending: 0 };
  for (const message of pending) {
    const after =
      message.createdAt.getTime() <= now - giveUpAfterMs
        ? await recordOutcome(deps, message, { status: "failed", error: "not delivered in time; gave up" })
        : await deliverMessage(deps, provider, message);
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
      console.error(`outbox: reconciler failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
