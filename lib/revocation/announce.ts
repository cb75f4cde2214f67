// Tells every instance that a revocation committed, so their grant status caches forget it at
// once instead of at their next poll (docs/deployment.md, "Revocation push"). Called inside the
// revoking write transaction:
// - PostgreSQL: NOTIFY is transactional. It is delivered to every listening session when the
//   transaction commits, and never when it rolls back.
// - SQLite: the local channel (local-bus.ts), after the commit (lib/db/after-commit.ts).
// A lost notification costs at most the cache's polling bound (lib/resource-server/grant-status.ts).
import { afterCommit } from "../db/after-commit";
import { providerOf, urlOf, type Db } from "../db/client";
import { databaseTarget } from "../db/target";
import type { Tx } from "../db";
import { encodeRevocation, type RevocationEvent } from "./events";
import { busDirectory, publishLocal } from "./local-bus";

export const REVOCATION_CHANNEL = "agent_grants_revocation";

export async function announceRevocation(tx: Tx, event: RevocationEvent): Promise<void> {
  const payload = encodeRevocation(event);
  if (providerOf(tx as never) === "postgresql") {
    await tx.$executeRaw`SELECT pg_notify(${REVOCATION_CHANNEL}, ${payload})`;
    return;
  }
  afterCommit(tx, (db) => publishSqlite(db, payload));
}

async function publishSqlite(db: Db, payload: string): Promise<void> {
  const url = urlOf(db);
  const file = url && databaseTarget(url).filePath;
  if (!file || file === ":memory:") return;
  const dir = busDirectory(file);
  if (dir) await publishLocal(dir, payload);
}
