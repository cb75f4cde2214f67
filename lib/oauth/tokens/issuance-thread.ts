// The token issuance writer (./issuance-writer.ts) on a thread of its own (lib/db/write-thread.ts),
// for the web server (scripts/start/web-server.ts): token requests are parsed, authenticated
// and signed on the event loop while their rows and audit entries are committed on another
// core. Only the web server imports this module; route handlers bundled by Next.js keep
// writing in their own thread.
import { urlOf, type Db } from "../../db/client";
import { WriteThread } from "../../db/write-thread";
import { routeIssuances, type Issuance } from "./issuance-writer";

/** Starts the thread for `db`'s database and routes that client's issuances to it; returns its stop. */
export function startIssuanceThread(db: Db): { thread: WriteThread<Issuance>; stop: () => Promise<void> } {
  const url = urlOf(db);
  if (!url) throw new Error("startIssuanceThread: a database client made by createDb is needed");
  const thread = new WriteThread<Issuance>(new URL("./issuance-worker.ts", import.meta.url), url);
  routeIssuances(db, (issuance) => thread.submit(issuance));
  return {
    thread,
    stop: async () => {
      routeIssuances(db, undefined);
      await thread.close();
    },
  };
}
