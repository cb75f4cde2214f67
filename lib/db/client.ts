// One Prisma client per process. Both generated clients have the same model API (they come
// from the same source schema), so the rest of the code is typed against the SQLite one.
import { PrismaClient as SqliteClient } from "../generated/sqlite/client";
import { PrismaClient as PostgresClient } from "../generated/postgresql/client";
import { createAdapter } from "./adapter";
import { isPostgresUrl, type Provider } from "./target";

export type Db = SqliteClient;
export type { Prisma } from "../generated/sqlite/client";

const providers = new WeakMap<object, Provider>();

export function createDb(url: string): Db {
  const adapter = createAdapter(url);
  const client = isPostgresUrl(url) ? (new PostgresClient({ adapter }) as unknown as Db) : new SqliteClient({ adapter });
  providers.set(client, isPostgresUrl(url) ? "postgresql" : "sqlite");
  return client;
}

export function providerOf(db: Db): Provider {
  return providers.get(db) ?? "sqlite";
}
