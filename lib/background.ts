// Periodic work of the web app process: rotate signing keys by age and retire old ones.
// Other periodic tasks (audit checkpoints, the message outbox reconciler, retention sweeps)
// register here too. A `singleton` task runs only in the instance that leads it (lib/leader,
// docs/deployment.md): with several instances on one database, the others skip their turn.
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
import type { LeaderElection } from "./leader";
import { errorMessage } from "./error-message";

export interface BackgroundTask {
  name: string;
  /** A number, or read from the configuration when the tasks start. */
  everySeconds: number | ((config: AppConfig) => number);
  run: (deps: Deps) => Promise<unknown>;
  /** Runs only in the instance elected for it (by this name). */
  singleton?: boolean;
}

export const BACKGROUND_TASKS: BackgroundTask[] = [
  { name: "signing key rotation", everySeconds: 600, run: ensureSigningKeys },
  auditCheckpointTask,
  // Sealed refresh successors are erased once the reuse leeway is over (oauth/tokens/refresh-token.ts).
  { name: "refresh successor erasure", everySeconds: 60, run: eraseExpiredSuccessors, singleton: true },
  // The messaging API delivers in this process; a crash between accepting and delivering, or a
  // provider that failed or answered too slowly, leaves a pending Message that this re-drives.
  // One leader runs it; the delivery lease (lib/messaging/lease.ts) still keeps it apart from a
  // request delivering its own message, and from a former leader's last pass.
  { name: "outbox reconciler", everySeconds: 30, run: (d) => reconcileOutbox(d, providerFromConfig(d.config.messaging, undefined, d.config.delivery.providerTimeoutMs)), singleton: true },
  // Deletes expired requests, codes, token records, DPoP jti records and idle metadata-document
  // clients (never audit entries); RETENTION_* in .env.example. Only the leading web app runs it.
  { name: "retention sweeps", everySeconds: (c) => c.retention.intervalSeconds, run: runRetentionSweeps, singleton: true },
];

export interface BackgroundOptions {
  /** Decides where singleton tasks run; without one, this process runs them all. */
  election?: LeaderElection;
  deps?: () => Deps;
}

/** Starts the timers; the returned function stops them and waits for a tick in progress. */
export function startBackgroundTasks(tasks: BackgroundTask[] = BACKGROUND_TASKS, options: BackgroundOptions = {}): () => Promise<void> {
  const deps = options.deps ?? appDeps;
  const running = new Set<Promise<void>>();
  const timers = tasks.map((task) => {
    if (task.singleton) options.election?.campaign(task.name);
    let busy = false;
    const tick = () => {
      if (busy) return;
      if (task.singleton && options.election && !options.election.isLeader(task.name)) return;
      busy = true;
      const run = (async () => {
        try {
          await task.run(deps());
        } catch (err) {
          console.error(`background task "${task.name}" failed: ${errorMessage(err)}`);
        } finally {
          busy = false;
        }
      })();
      running.add(run);
      void run.finally(() => running.delete(run));
    };
    const every = typeof task.everySeconds === "function" ? task.everySeconds(deps().config) : task.everySeconds;
    const timer = setInterval(tick, every * 1000);
    timer.unref();
    return timer;
  });
  return async () => {
    timers.forEach(clearInterval);
    await Promise.all(running);
  };
}
