// On PostgreSQL, the pooled connection each write transaction holds, so that the transaction's
// raw statements can go to it directly (./direct-statements.ts) instead of through Prisma.
//
// Why: a raw statement through Prisma's interactive transaction cost about 310 µs of CPU on the
// event loop, against about 75 µs for the same statement sent by node-postgres on the same
// connection (docs/benchmarks.md, "Raw statements on PostgreSQL").
//
// Prisma opens every transaction through the adapter's startTransaction, which takes a client
// from the pool and sends BEGIN; Prisma later runs COMMIT (or ROLLBACK) on it and then commit()
// (or rollback()), which hands the client back to the pool. Several transactions are open at
// once on different clients, and Prisma does not say which one a transaction callback runs in.
// So the callback's first raw statement still goes through Prisma, marked with a comment naming
// the callback's slot (`/* transaction <n> */`): the adapter's transaction that is handed that
// statement is the callback's own, and it fills the slot with its client before running it.
// Statements after it go to that client directly. (Tracking the callback through an
// AsyncLocalStorage was measured first: once enabled, it taxes every promise the process makes,
// and the token endpoint's event loop lost about a fifth of its rate.)
import type { SqlDriverAdapterFactory, SqlQuery } from "@prisma/driver-adapter-utils";
import type { PoolClient } from "pg";
import { adjustedFactory, whenEnded, type EndableTransaction } from "./adapter-factory";

/** The part of the adapter's internals this module relies on (adapter-pg 7.10). */
interface AdapterInternals {
  startTransaction(isolationLevel?: unknown): Promise<AdapterTransaction>;
}

interface AdapterTransaction extends EndableTransaction {
  client?: PoolClient;
  queryRaw(query: SqlQuery): Promise<unknown>;
  executeRaw(query: SqlQuery): Promise<number>;
}

/** The connection of one write transaction, once its first raw statement has named it. */
export interface PgTransactionSlot {
  /** The comment the first statement carries; unique while the slot waits. */
  readonly marker: string;
  client: PoolClient | undefined;
  /** False from the moment Prisma sends COMMIT or ROLLBACK: the client may go back to the pool. */
  open: boolean;
}

const MARKER = /^\/\* transaction \d+ \*\/ /;
const ENDS = /^\s*(COMMIT|ROLLBACK)\s*$/i;

/** The slots of one database client's write transactions that wait for their first statement. */
export class PgTransactions {
  /** By marker. */
  private readonly waiting = new Map<string, PgTransactionSlot>();
  private next = 0;

  /** A slot for a transaction about to start; `release` it when the transaction has ended. */
  slot(): PgTransactionSlot {
    this.next = (this.next + 1) % Number.MAX_SAFE_INTEGER;
    const slot: PgTransactionSlot = { marker: `/* transaction ${this.next} */ `, client: undefined, open: false };
    this.waiting.set(slot.marker, slot);
    return slot;
  }

  release(slot: PgTransactionSlot): void {
    this.waiting.delete(slot.marker);
  }

  /** Called by the adapter for each transaction it begins: watches its statements for a marker. */
  began(tx: AdapterTransaction): void {
    let owner: PgTransactionSlot | undefined;
    const watch = (query: SqlQuery) => {
      const marked = MARKER.exec(query.sql);
      if (marked && !owner) {
        const slot = this.waiting.get(marked[0]);
        if (slot && !slot.client) {
          this.waiting.delete(marked[0]);
          slot.client = tx.client;
          slot.open = true;
          owner = slot;
        }
      } else if (owner && ENDS.test(query.sql)) owner.open = false;
    };
    const queryRaw = tx.queryRaw.bind(tx);
    const executeRaw = tx.executeRaw.bind(tx);
    tx.queryRaw = (query) => {
      watch(query);
      return queryRaw(query);
    };
    tx.executeRaw = (query) => {
      watch(query);
      return executeRaw(query);
    };
    whenEnded(tx, () => {
      if (owner) owner.open = false;
    });
  }
}

/** Wraps the adapter factory so every transaction it begins is offered to `transactions`. */
export function pgRuntimeFactory(factory: SqlDriverAdapterFactory, transactions: PgTransactions): SqlDriverAdapterFactory {
  return adjustedFactory(factory, (adapter) => {
    const internals = adapter as unknown as AdapterInternals;
    if (typeof internals.startTransaction !== "function") {
      throw new Error("pg-runtime: the PostgreSQL driver adapter changed shape; review lib/db/pg-runtime.ts");
    }
    const original = internals.startTransaction.bind(internals);
    internals.startTransaction = async (isolationLevel?: unknown) => {
      const tx = await original(isolationLevel);
      // A transaction of another shape is left alone: no slot is ever filled, and every
      // statement goes through Prisma as it would without this module.
      if (typeof tx.executeRaw === "function" && typeof tx.queryRaw === "function" && tx.client) transactions.began(tx);
      return tx;
    };
  });
}
