// On PostgreSQL, the pooled connection each write transaction holds, so that the transaction's
// raw statements can go to it directly (./direct-statements.ts) instead of through Prisma.
//
// Why: a raw statement through Prisma's interactive transaction cost about 310 µs of CPU on the
// event loop, against about 75 µs for the same statement sent by node-postgres on the same
// connection (docs/benchmarks.md, "Raw statements straight to the connection").
//
// Prisma opens every transaction through the adapter's startTransaction, which takes a client
// from the pool, sends BEGIN and returns the transaction, on which Prisma later runs COMMIT (or
// ROLLBACK) and then commit() (or rollback()), which hands the client back to the pool. Several
// transactions are open at once on different clients, so which one a transaction callback runs
// in is told by an AsyncLocalStorage slot: writeTransaction (./transaction.ts) opens a slot and
// calls $transaction inside it, and startTransaction, called in that same async context, fills
// the slot with the client it took. A slot is filled once: a transaction started from inside
// the callback (on the outer client) does not take it over.
import { AsyncLocalStorage } from "node:async_hooks";
import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery } from "@prisma/driver-adapter-utils";
import type { PoolClient } from "pg";

/** The part of the adapter's internals this module relies on (adapter-pg 7.10). */
interface AdapterInternals {
  startTransaction(isolationLevel?: unknown): Promise<AdapterTransaction>;
}

interface AdapterTransaction {
  client?: PoolClient;
  executeRaw(query: SqlQuery): Promise<number>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

/** The connection of one write transaction, while it is open. */
export interface PgTransactionSlot {
  client: PoolClient | undefined;
  /** False from the moment Prisma sends COMMIT or ROLLBACK: the client may go back to the pool. */
  open: boolean;
}

/** Where the slots of a client's transactions live (one per database client, see ./client.ts). */
export class PgTransactions {
  private readonly storage = new AsyncLocalStorage<PgTransactionSlot>();

  /** Runs `fn` (which starts one transaction) with a slot its transaction fills. */
  run<T>(slot: PgTransactionSlot, fn: () => Promise<T>): Promise<T> {
    return this.storage.run(slot, fn);
  }

  /** Called by the adapter when it has begun a transaction on `client`. */
  began(tx: AdapterTransaction): void {
    const slot = this.storage.getStore();
    if (!slot || slot.client || !tx.client) return;
    slot.client = tx.client;
    slot.open = true;
    const close = () => {
      slot.open = false;
    };
    const executeRaw = tx.executeRaw.bind(tx);
    tx.executeRaw = (query: SqlQuery) => {
      if (/^\s*(COMMIT|ROLLBACK)\s*$/i.test(query.sql)) close();
      return executeRaw(query);
    };
    const commit = tx.commit.bind(tx);
    const rollback = tx.rollback.bind(tx);
    tx.commit = () => {
      close();
      return commit();
    };
    tx.rollback = () => {
      close();
      return rollback();
    };
  }
}

/** Wraps the adapter factory so every transaction it begins is offered to `transactions`. */
export function pgRuntimeFactory(factory: SqlDriverAdapterFactory, transactions: PgTransactions): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect(): Promise<SqlDriverAdapter> {
      const adapter = await factory.connect();
      const internals = adapter as unknown as AdapterInternals;
      if (typeof internals.startTransaction !== "function") {
        throw new Error("pg-runtime: the PostgreSQL driver adapter changed shape; review lib/db/pg-runtime.ts");
      }
      const original = internals.startTransaction.bind(internals);
      internals.startTransaction = async (isolationLevel?: unknown) => {
        const tx = await original(isolationLevel);
        transactions.began(tx);
        return tx;
      };
      return adapter;
    },
  };
}
