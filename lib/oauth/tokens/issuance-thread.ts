// The token issuance writer (./issuance-writer.ts) on a thread of its own (lib/db/write-thread.ts),
// for the web server (scripts/start/web-server.ts): token requests are parsed, authenticated
// and signed on the event loop while their rows and audit entries are committed on another
// core. Only the web server imports this module; route handlers bundled by Next.js keep
// writing in their own thread.
import type { Db } from "../../db/client";
import { startWriteThread, type RunningWriteThread } from "../../db/write-thread";
import { issuanceWriter, type Issuance } from "./issuance-writer";

/** Moves `db`'s issuance writer onto a write thread; stop() moves it back. */
export function startIssuanceThread(db: Db): RunningWriteThread<Issuance> {
  return startWriteThread(db, issuanceWriter(db), new URL("./issuance-worker.ts", import.meta.url));
}
