// A Prisma driver adapter factory whose adapters are adjusted before Prisma uses them, and the
// end of an adapter's transaction: how the runtimes of ./sqlite-runtime.ts and ./pg-runtime.ts
// reach the adapter's internals.
import type { SqlDriverAdapter, SqlDriverAdapterFactory } from "@prisma/driver-adapter-utils";

/** `factory`, with `adjust` applied to every adapter it connects. */
export function adjustedFactory(factory: SqlDriverAdapterFactory, adjust: (adapter: SqlDriverAdapter) => void): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect(): Promise<SqlDriverAdapter> {
      const adapter = await factory.connect();
      adjust(adapter);
      return adapter;
    },
  };
}

/** The part of an adapter's transaction that Prisma calls to end it, after its COMMIT or ROLLBACK. */
export interface EndableTransaction {
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

/** Runs `ended` when Prisma ends `tx` either way, before the adapter releases its connection. */
export function whenEnded(tx: EndableTransaction, ended: () => void): void {
  const commit = tx.commit.bind(tx);
  const rollback = tx.rollback.bind(tx);
  tx.commit = () => {
    ended();
    return commit();
  };
  tx.rollback = () => {
    ended();
    return rollback();
  };
}
