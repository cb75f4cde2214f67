// Periodic work of the web app process: rotate signing keys by age and retire old ones.
// Other periodic tasks (audit checkpoints, the message outbox reconciler, retention sweeps)
// register here too.
// Each task catches its own errors: a failing task must never stop the server.
import { appDeps } from "./deps";
import type { Deps } from "./deps";
import { ensureSigningKeys } from "./oauth/keys";
import { auditCheckpointTask } from "./audit/checkpoint-task";
import { providerFromConfig } from "./messaging/providers";
import { reconcileOutbox } from "./messaging/reconciler";
import { eraseExpiredSuccessors } from "./oauth/tokens/refresh-token";
import { runRetentionSweeps } from "./retention/sweeps";
import type { AppConfig } from "./config";

export interface BackgroundTask {
  name: string;
  /** A number, or read from the configuration when the tasks start. */
  everySeconds: number | ((config: AppConfig) => number);
  run: (deps: Deps) => Promise<unknown>;
}

export const BACKGROUND_TASKS: BackgroundTask[] = [
  { name: "signing key rotation", everySeconds: 600, run: ensureSigningKeys },
  auditCheckpointTask,
  // Sealed refresh successors are erased once the reuse leeway is over (oauth/tokens/refresh-token.ts).
  { name: "refresh successor erasure", everySeconds: 60, run: eraseExpiredSuccessors },
  // The messaging API delivers in this process; a crash between accepting and delivering, or a
  // provider that failed or answered too slowly, leaves a pending Message that this re-drives.
  // The MCP server runs it too: the delivery lease (lib/messaging/lease.ts) keeps them apart.
  { name: "outbox reconciler", everySeconds: 30, run: (d) => reconcileOutbox(d, providerFromConfig(d.config.messaging, undefined, d.config.delivery.providerTimeoutMs)) },
  // Deletes expired requests, codes, token records, DPoP jti records and idle metadata-document
  // clients (never audit entries); RETENTION_* in .env.example. Only the web app runs it.
  { name: "retention sweeps", everySeconds: (c) => c.retention.intervalSeconds, run: runRetentionSweeps },
];

export function startBackgroundTasks(tasks: BackgroundTask[] = BACKGROUND_TASKS): () => void {
  const timers = tasks.map((task) => {
    let running = false;
    const tick = async () => {
      if (running) return;
      running = true;
      try {
        await task.run(appDeps());
      } catch (err) {
        console.error(`background task "${task.name}" failed: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        running = false;
      }
    };
    const every = typeof task.everySeconds === "function" ? task.everySeconds(appDeps().config) : task.everySeconds;
    const timer = setInterval(tick, every * 1000);
    timer.unref();
    return timer;
  });
  return () => timers.forEach(clearInterval);
}
