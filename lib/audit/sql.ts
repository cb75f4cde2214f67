// Raw SQL that runs on both providers: SQLite binds `?` positionally, PostgreSQL `$1..$n`.
import type { Db, Tx } from "../db";
import { providerOf } from "../db/client";

/**
 * Which SQL dialect a client speaks. Asked of the client itself first: Next.js may bundle
 * lib/db/client.ts into several module instances (pages, server actions, route handlers),
 * and providerOf's registry only knows the clients its own instance created.
 */
export function isPostgres(db: Db | Tx): boolean {
  const own = (db as unknown as { _activeProvider?: string })._activeProvider;
  if (own) return own === "postgresql";
  return providerOf(db as Db) === "postgresql";
}

/**
 * A Date bound as each provider's Prisma client stores DateTime: milliseconds since the epoch on
 * SQLite; on PostgreSQL zone-less UTC (TIMESTAMP(3)), so the ISO string's "Z" is dropped.
 */
export function timeValue(pg: boolean, d: Date): string | number {
  return pg ? d.toISOString().replace("Z", "") : d.getTime();
}

/** n placeholders in the provider's syntax, numbered from `start` (1-based). */
export function placeholders(db: Db, n: number, start = 1): string[] {
  const pg = isPostgres(db);
  return Array.from({ length: n }, (_, i) => (pg ? `$${start + i}` : "?"));
}

/** Collects bound values while a statement is assembled, in the provider's placeholder syntax. */
export class SqlParams {
  readonly values: unknown[] = [];
  constructor(private readonly pg: boolean) {}
  add(value: unknown): string {
    this.values.push(value);
    return this.pg ? `$${this.values.length}` : "?";
  }
}

export type Queryable = Db | Tx;
