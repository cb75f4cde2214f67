// On SQLite, the raw statements of a write transaction go straight to the connection instead
// of through Prisma. Why: a raw statement through Prisma's interactive transaction costs about
// 70 µs of CPU on the event loop (a model query twice that), of which SQLite's own work is
// 1-2 µs; the send path's batch writers run several per message (docs/benchmarks.md,
// "Raw statements straight to the connection"). Prisma still opens and ends the transaction,
// holding its connection for it, so the statements run on that connection inside that
// transaction, exactly where Prisma would have run them, and everything else (model queries,
// commit, rollback, savepoints through raw SQL) is unchanged.
//
// What runs directly, and what it answers, is what Prisma's SQLite adapter would have given:
// - $executeRawUnsafe(sql, ...values) and the tagged $executeRaw`...`: the rows changed;
// - $queryRawUnsafe(sql, ...values) whose result columns all come from table columns of the
//   types below: rows as objects, integers as numbers, DATETIME columns as Dates.
// Values are bound as the adapter binds them (booleans as 0/1, Dates as milliseconds: the
// "unixepoch-ms" format lib/db/adapter.ts configures). Anything else (a Prisma.sql fragment, an
// object value, an expression column) goes through Prisma as before. Errors are better-sqlite3's
// own (code SQLITE_CONSTRAINT_UNIQUE and so on), with their messages.
import type { Tx } from "./client";
import type { SqliteConnection, Statement } from "./sqlite-runtime";

type Binding = null | number | bigint | string | Buffer;

/** The value as the adapter would bind it, or undefined when only Prisma knows how. */
function binding(value: unknown): Binding | undefined {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "string":
    case "number":
    case "bigint":
      return value;
    case "boolean":
      return value ? 1 : 0;
    default:
      if (value instanceof Date) return value.getTime();
      if (Buffer.isBuffer(value)) return value;
      return undefined;
  }
}

function bindings(values: unknown[]): Binding[] | undefined {
  const out: Binding[] = [];
  for (const v of values) {
    const b = binding(v);
    if (b === undefined) return undefined;
    out.push(b);
  }
  return out;
}

type ColumnReader = (value: unknown) => unknown;

const asNumber: ColumnReader = (v) => {
  if (typeof v !== "bigint") return v;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
};
// Prisma writes milliseconds ("unixepoch-ms"); a date stored as text (by hand, or by another
// tool) is read as Prisma reads it too.
const asDate: ColumnReader = (v) => (v === null ? null : new Date(typeof v === "string" ? v : Number(v)));
const asIs: ColumnReader = (v) => v;
const asBoolean: ColumnReader = (v) => (v === null ? null : Number(v) !== 0);

/** How a result column of each declared type is read (the types the schema uses). */
const READERS: Record<string, ColumnReader> = {
  INTEGER: asNumber,
  INT: asNumber,
  REAL: asIs,
  TEXT: asIs,
  DATETIME: asDate,
  BOOLEAN: asBoolean,
};

/** Readers for the statement's result columns, or undefined when one is not a plain table column. */
function columnReaders(stmt: Statement): { names: string[]; readers: ColumnReader[] } | undefined {
  const names: string[] = [];
  const readers: ColumnReader[] = [];
  for (const c of stmt.columns()) {
    const reader = c.type === null ? undefined : READERS[c.type.toUpperCase()];
    if (!reader) return undefined;
    names.push(c.name);
    readers.push(reader);
  }
  return { names, readers };
}

function isTemplate(value: unknown): value is TemplateStringsArray {
  return Array.isArray(value) && Array.isArray((value as unknown as { raw?: unknown }).raw);
}

/**
 * `tx` (a writeTransaction's Prisma client on SQLite) with its raw statements run on `connection`
 * directly while the transaction that is open there now is still open.
 */
export function directStatements(tx: Tx, connection: SqliteConnection): Tx {
  const transaction = connection.openTransaction;
  if (transaction === 0) return tx;
  const statementFor = (sql: string): Statement => {
    // Prisma answers the same for a statement after its transaction ended.
    if (connection.openTransaction !== transaction) throw new Error("Transaction already closed: a statement was sent after the transaction ended");
    return connection.statement(sql);
  };
  const execute = async (sql: string, args: Binding[]): Promise<number> => statementFor(sql).run(args).changes;
  const prisma = tx as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;

  const $executeRawUnsafe = (sql: string, ...values: unknown[]) => {
    const args = bindings(values);
    return args ? execute(sql, args) : prisma.$executeRawUnsafe!(sql, ...values);
  };
  const $executeRaw = (strings: unknown, ...values: unknown[]) => {
    const args = isTemplate(strings) ? bindings(values) : undefined;
    return args ? execute((strings as TemplateStringsArray).join("?"), args) : prisma.$executeRaw!(strings, ...values);
  };
  const $queryRawUnsafe = async (sql: string, ...values: unknown[]) => {
    const args = bindings(values);
    const stmt = args ? statementFor(sql) : undefined;
    const columns = stmt?.reader ? columnReaders(stmt) : undefined;
    if (!stmt || !args || !columns) return prisma.$queryRawUnsafe!(sql, ...values);
    // raw(): the adapter's own calls leave the cached statement in raw mode too.
    const rows = stmt.raw(true).all(args) as unknown[][];
    return rows.map((row) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < row.length; i++) out[columns.names[i]!] = columns.readers[i]!(row[i]);
      return out;
    });
  };

  return new Proxy(tx, {
    get(target, prop) {
      if (prop === "$executeRawUnsafe") return $executeRawUnsafe;
      if (prop === "$executeRaw") return $executeRaw;
      if (prop === "$queryRawUnsafe") return $queryRawUnsafe;
      return Reflect.get(target, prop);
    },
  });
}
