// Many rows into one SQLite table, their values bound as parameters, in as few statements as
// SQLite's limit on bound values allows. The batch writers (the audit chain, token issuances)
// used to send their rows as one JSON parameter unpacked with json_each, which parses the row's
// JSON again for every column it extracts: bound values cost about a quarter less per batch
// (docs/benchmarks.md). One statement text per row count; the runtime keeps each prepared
// (lib/db/sqlite-runtime.ts), and live batches hold at most 64 rows. PostgreSQL keeps its JSON
// form (json_array_elements parses each row once).
import type { Tx } from "./client";

/** SQLite's default SQLITE_MAX_VARIABLE_NUMBER since 3.32. */
const MAX_BOUND_VALUES = 32_766;

const statements = new Map<string, string>();

function insertSql(table: string, columns: readonly string[], rowCount: number): string {
  const key = `${table}\u0000${columns.length}\u0000${rowCount}`;
  let sql = statements.get(key);
  if (!sql) {
    const row = `(${columns.map(() => "?").join(",")})`;
    sql = `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(",")}) VALUES ${Array.from({ length: rowCount }, () => row).join(",")}`;
    statements.set(key, sql);
  }
  return sql;
}

/** Inserts `rows` (values in `columns` order) into `table` on SQLite; returns the rows inserted. */
export async function insertRowsSqlite(tx: Tx, table: string, columns: readonly string[], rows: readonly unknown[][]): Promise<number> {
  const perStatement = Math.floor(MAX_BOUND_VALUES / columns.length);
  let inserted = 0;
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    inserted += await tx.$executeRawUnsafe(insertSql(table, columns, chunk.length), ...chunk.flat());
  }
  return inserted;
}
