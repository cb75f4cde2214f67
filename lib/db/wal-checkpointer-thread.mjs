// The thread of ./wal-checkpointer.ts: a PASSIVE checkpoint every intervalMs on its own
// connection. Plain JavaScript: it needs only the driver. A lock held elsewhere (a writer
// finishing its COMMIT) is not an error: PASSIVE does what it can and the next tick does the rest.
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";

const { file, intervalMs } = workerData;
const db = new Database(file, { fileMustExist: true });
db.pragma("busy_timeout = 0");
let reported = false;
setInterval(() => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
    reported = false;
  } catch (err) {
    if (String(err?.code ?? "").startsWith("SQLITE_BUSY")) return;
    if (!reported) parentPort?.postMessage({ error: err instanceof Error ? err.message : String(err) });
    reported = true;
  }
}, intervalMs);
