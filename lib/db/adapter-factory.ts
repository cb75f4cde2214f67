// A Prisma driver adapter factory whose adapters are adjusted before Prisma uses them: how the
// runtimes of ./sqlite-runtime.ts and ./pg-runtime.ts reach the adapter's internals.
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
