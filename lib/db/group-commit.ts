// Group commit: many small audited writes of one kind, arriving concurrently, committed in ONE
// write transaction, so a batch pays once what each write would pay alone: the transaction,
// SQLite's write lock and its fsync at COMMIT (or PostgreSQL's round trips and WAL flush), and
// the audit chain's head read and head update (appendAudit queues entries on the transaction
// and lib/audit/chain-writer.ts chains them all at commit, in submission order).
//
// Durability is unchanged: submit() resolves only after the batch holding the item has
// committed, and rejects when it did not, so a caller never answers for work that is not
// stored. A failed batch fails every member with the same error and stores nothing of any of
// them (one transaction). Members are never retried one by one: callers validate each item
// before submitting it (docs/audit.md, "Group commit"), so what is left to fail is the store
// itself, which would fail every member alone as well, and retrying singly would multiply the
// wait of a store that is down (up to LOCK_WAIT_MS each on SQLite) by the batch size. A writer
// whose members can be refused one by one (a spent quota) answers each member from `write`,
// undoing a refused member's writes with a savepoint (lib/messaging/accept.ts).
//
// Delay bound. While no batch is running, an item starts its transaction after one turn of the
// event loop (setImmediate: requests that arrived in the same turn join it). While one runs,
// items queue and the next batch starts as soon as it ends: an item waits at most for the
// batch in flight, then for the batches of up to `maxBatch` items queued before it (first in,
// first out). No timer lingers for more company: the batch in flight is the wait.
import type { Db, Tx } from "./client";
import { writeTransaction } from "./transaction";

export interface GroupCommitOptions<I, R = void> {
  /**
   * Writes the items of one batch, in order, inside its write transaction, and returns each
   * item's answer in the same order (nothing when R is void); throw to roll the batch back.
   */
  write: (tx: Tx, items: I[]) => Promise<R[] | void>;
  /** Most items per transaction (default 64). */
  maxBatch?: number;
}

interface Member<I, R> {
  item: I;
  resolve: (answer: R) => void;
  reject: (err: unknown) => void;
}

export interface GroupCommitStats {
  /** Transactions committed. */
  batches: number;
  /** Items those transactions held. */
  items: number;
  /** Transactions that failed (their members were all rejected). */
  failed: number;
}

export class GroupCommit<I, R = void> {
  readonly stats: GroupCommitStats = { batches: 0, items: 0, failed: 0 };
  private readonly queue: Member<I, R>[] = [];
  private readonly maxBatch: number;
  private running = false;
  private scheduled = false;
  /** Where submit() hands items while a write thread has taken this writer over (sendTo). */
  private target: ((item: I) => Promise<R>) | undefined;

  constructor(
    private readonly db: Db,
    private readonly options: GroupCommitOptions<I, R>,
  ) {
    this.maxBatch = Math.max(1, options.maxBatch ?? 64);
  }

  /**
   * While set, submit() hands each item to `target` instead of batching it here: a write thread
   * running this same writer on a connection of its own (lib/db/write-thread.ts), with the same
   * answer once committed. Unset, items are batched here again.
   */
  sendTo(target: ((item: I) => Promise<R>) | undefined): void {
    this.target = target;
  }

  /** Resolves with the item's answer once it is committed; rejects with the batch's error when it was not. */
  submit(item: I): Promise<R> {
    if (this.target) return this.target(item);
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Items waiting for a transaction (not counting the batch in flight). */
  get waiting(): number {
    return this.queue.length;
  }

  private schedule(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.running || this.queue.length === 0) return;
    this.running = true;
    const batch = this.queue.splice(0, this.maxBatch);
    try {
      const answers = await writeTransaction(this.db, (tx) =>
        this.options.write(
          tx,
          batch.map((m) => m.item),
        ),
      );
      this.stats.batches += 1;
      this.stats.items += batch.length;
      for (const [i, m] of batch.entries()) m.resolve(answers?.[i] as R);
    } catch (err) {
      this.stats.failed += 1;
      for (const m of batch) m.reject(err);
    } finally {
      this.running = false;
      if (this.queue.length > 0) this.schedule();
    }
  }
}

/**
 * One writer per database client for one kind of item: call once per module, then
 * `writerOf(db)` returns that client's writer (the same one for every caller in the process).
 */
export function groupCommitPerDb<I, R = void>(options: GroupCommitOptions<I, R>): (db: Db) => GroupCommit<I, R> {
  const writers = new WeakMap<Db, GroupCommit<I, R>>();
  return (db) => {
    let writer = writers.get(db);
    if (!writer) {
      writer = new GroupCommit<I, R>(db, options);
      writers.set(db, writer);
    }
    return writer;
  };
}
