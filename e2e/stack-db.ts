// The stack's database, opened in the test's own process for setting up accounts and clients
// through the same lib/ functions the admin CLI runs. Spawning the CLI costs seconds of CPU per
// call on a busy runner; the CLI itself keeps its end-to-end tests (auth.spec.ts, ciba.spec.ts).
import { createDb, type Db } from "@/lib/db/client";

const open = new Map<string, Db>();

export function stackDb(env: Record<string, string>): Db {
  const url = env.DATABASE_URL;
  if (!url) throw new Error("stackDb: the stack has no DATABASE_URL");
  let db = open.get(url);
  if (!db) {
    db = createDb(url);
    open.set(url, db);
  }
  return db;
}
