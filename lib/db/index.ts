// The process-wide database handle, created on first use from the validated config.
import { config } from "../config";
import { createDb, type Db } from "./client";

export type { Db, Tx } from "./client";
export { beforeCommit, inSavepoint, writeTransaction } from "./transaction";

const globalRef = globalThis as unknown as { __agentGrantsDb?: Db };

export function db(): Db {
  // Kept on globalThis so Next.js dev-mode reloads reuse one connection pool.
  globalRef.__agentGrantsDb ??= createDb(config().databaseUrl);
  return globalRef.__agentGrantsDb;
}
