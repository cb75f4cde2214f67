// WAL checkpoints off the request path (SQLite).
//
// In WAL mode SQLite copies committed pages back into the database file in checkpoints. By
// default the connection whose COMMIT takes the log past 1,000 pages runs the checkpoint there
// and then, synchronously: measured on a batch writer (lib/db/group-commit.ts), that took each
// COMMIT from 0.74 to 1.55 ms on average, paid by whichever request's transaction crossed the
// line, on an event loop (docs/benchmarks.md).
//
// So every connection of the runtime (./sqlite-runtime.ts) leaves checkpoints to this thread:
// the web server starts it (scripts/start/web-server.ts), and it runs a PASSIVE checkpoint every
// CHECKPOINT_INTERVAL_MS on a connection of its own. A PASSIVE checkpoint takes no lock that a
// writer or reader waits for; it copies what no open read still needs, and the rest the next
// time. Durability does not depend on checkpoints at all (a commit is durable once its WAL
// frames are synced). Should this thread not run (another tool writing alone, a crash), the
// connections' own automatic checkpoint is still there, at WAL_AUTOCHECKPOINT_PAGES, so the
// log stays bounded either way.
import { Worker } from "node:worker_threads";
import { databaseTarget } from "./target";
import { errorMessage } from "../error-message";

/** The automatic checkpoint every runtime connection keeps as a backstop (pages of 4 KiB: about 40 MiB). */
export const WAL_AUTOCHECKPOINT_PAGES = 10_000;
export const CHECKPOINT_INTERVAL_MS = 200;

const THREAD = new URL("./wal-checkpointer-thread.mjs", import.meta.url);

export interface WalCheckpointer {
  stop(): Promise<void>;
}

/**
 * Starts the checkpoint thread for a SQLite database; PostgreSQL needs none (undefined).
 * A failing checkpoint is reported once and retried on the next tick.
 */
export function startWalCheckpointer(url: string, intervalMs = CHECKPOINT_INTERVAL_MS): WalCheckpointer | undefined {
  const target = databaseTarget(url);
  if (target.provider !== "sqlite") return undefined;
  const worker = new Worker(THREAD, { workerData: { file: target.filePath, intervalMs } });
  worker.unref();
  worker.on("message", (m: { error?: string }) => {
    if (m.error) console.error(`wal checkpointer: checkpoint failed (retrying every ${intervalMs} ms): ${m.error}`);
  });
  worker.on("error", (err) => console.error(`wal checkpointer: stopped: ${errorMessage(err)}; connections checkpoint on their own at ${WAL_AUTOCHECKPOINT_PAGES} pages`));
  return {
    async stop() {
      await worker.terminate();
    },
  };
}
