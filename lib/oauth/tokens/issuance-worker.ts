// The worker thread's entry for ./issuance-thread.ts: every issuance it is sent goes through
// the same group-commit writer as on the main thread, with this thread's own connection.
import { serveWriteThread } from "../../db/write-thread";
import { issuanceWriter, type Issuance } from "./issuance-writer";

serveWriteThread<Issuance>((db, issuance) => issuanceWriter(db).submit(issuance));
