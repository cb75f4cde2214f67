// Work that must wait until a write transaction has committed (for example telling another
// process on SQLite that a grant was revoked: it must not re-read the old row). writeTransaction
// runs the callbacks registered on its transaction client after the commit, never after a
// rollback; a callback's failure is logged and does not undo the commit.
import type { Db, Tx } from "./client";
import { errorMessage } from "../error-message";

type Hook = (db: Db) => Promise<void>;
const pending = new WeakMap<object, { db: Db; hooks: Hook[] }>();

/** Returns false when `tx` is not a writeTransaction's client (the callback is then not registered). */
export function afterCommit(tx: Tx, fn: Hook): boolean {
  const entry = pending.get(tx);
  if (!entry) return false;
  entry.hooks.push(fn);
  return true;
}

/** `db` is the client the transaction was opened on, handed to each hook. */
export function openCommitHooks(tx: Tx, db: Db): void {
  pending.set(tx, { db, hooks: [] });
}

export async function runCommitHooks(tx: Tx): Promise<void> {
  const entry = pending.get(tx);
  pending.delete(tx);
  for (const fn of entry?.hooks ?? []) {
    await fn(entry!.db).catch((err: unknown) => console.error(`after-commit work failed: ${errorMessage(err)}`));
  }
}
