// The raw statements of a write transaction go straight to its connection instead of through
// Prisma. Why: a raw statement through Prisma's interactive transaction costs about 70 µs of CPU
// on the event loop on SQLite (a model query twice that), of which SQLite's own work is 1-2 µs,
// and about 310 µs on PostgreSQL, against about 75 µs for node-postgres alone; the send path's
// batch writers run several per message (docs/benchmarks.md, "Raw statements straight to the
// connection"). Prisma still opens and ends the transaction, holding its connection for it, so
// the statements run on that connection inside that transaction, exactly where Prisma would
// have run them, and everything else (model queries, commit, rollback, savepoints through raw
// SQL) is unchanged. A statement sent after its transaction ended (Prisma rolled it back at its
// timeout while the callback still ran) is refused, never run in whatever the connection does
// next.
//
// On SQLite (./sqlite-runtime.ts), what runs directly, and what it answers, is what Prisma's
// SQLite adapter would have given:
// - $executeRawUnsafe(sql, ...values) and the tagged $executeRaw`...`: the rows changed;
// - $queryRawUnsafe(sql, ...values) whose result columns all come from table columns of the
//   types below: rows as objects, integers as numbers, DATETIME columns as Dates.
// Values are bound as the adapter binds them (booleans as 0/1, Dates as milliseconds: the
// "unixepoch-ms" format lib/db/adapter.ts configures). Anything else (a Prisma.sql fragment, an
// object value, an expression column) goes through Prisma as before. Errors are better-sqlite3's
// own (code SQLITE_CONSTRAINT_UNIQUE and so on), with their messages.
//
// On PostgreSQL (./pg-runtime.ts), the two $executeRaw forms with plain values run directly,
// from the transaction's second statement on (pgDirect below). Errors are node-postgres's own
// (code 23505 and so on).
import type { Tx } from "./client";
import type { PgTransactionSlot } from "./pg-runtime";
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

/** How a write transaction's statements reach its connection directly. */
export interface DirectConnection {
  /** The placeholder of the i-th value (from 1) in SQL text, for the tagged $executeRaw. */
  placeholder(i: number): string;
  /** Runs a statement and answers the rows it changed, or undefined when only Prisma can bind a value. */
  execute(sql: string, values: unknown[]): Promise<number> | undefined;
  /** Runs a query and answers its rows, or undefined when it is Prisma's to run (nothing has run then). */
  query(sql: string, values: unknown[]): Promise<Record<string, unknown>[]> | undefined;
}

const closed = () => new Error("Transaction already closed: a statement was sent after the transaction ended");

/** The SQLite connection's side, while the transaction open on it now is still open; else undefined. */
export function sqliteDirect(connection: SqliteConnection): DirectConnection | undefined {
  const transaction = connection.openTransaction;
  if (transaction === 0) return undefined;
  const statementFor = (sql: string): Statement => {
    // Prisma answers the same for a statement after its transaction ended.
    if (connection.openTransaction !== transaction) throw closed();
    return connection.statement(sql);
  };
  return {
    placeholder: () => "?",
    execute(sql, values) {
      const args = bindings(values);
      // Run now, as Prisma's statement would be once awaited; a failure is a rejection.
      return args ? (async () => statementFor(sql).run(args).changes)() : undefined;
    },
    query(sql, values) {
      const args = bindings(values);
      if (!args) return undefined;
      let stmt: Statement;
      try {
        stmt = statementFor(sql);
      } catch (err) {
        return Promise.reject(err);
      }
      const columns = stmt.reader ? columnReaders(stmt) : undefined;
      if (!columns) return undefined;
      return (async () => {
        // raw(): the adapter's own calls leave the cached statement in raw mode too.
        const rows = stmt.raw(true).all(args) as unknown[][];
        return rows.map((row) => {
          const out: Record<string, unknown> = {};
          for (let i = 0; i < row.length; i++) out[columns.names[i]!] = columns.readers[i]!(row[i]);
          return out;
        });
      })();
    },
  };
}

/**
 * The PostgreSQL connection's side. Only statements that change rows run directly: a query's
 * answer would need Prisma's mapping of PostgreSQL's types (timestamps, 64-bit integers,
 * numerics, JSON), so queries stay Prisma's. Values that are not strings, numbers, booleans or
 * null (a Date, say, which node-postgres would send in local time and Prisma sends in UTC) leave
 * the statement to Prisma too. Until the slot knows its connection, a statement goes through
 * Prisma marked with the slot's comment, which tells the adapter's transaction to fill it
 * (./pg-runtime.ts).
 */
export function pgDirect(slot: PgTransactionSlot, tx: Tx): DirectConnection {
  return {
    placeholder: (i) => `$${i}`,
    execute(sql, values) {
      if (!values.every((v) => v === null || v === undefined || ["string", "number", "bigint", "boolean"].includes(typeof v))) return undefined;
      if (!slot.client) return tx.$executeRawUnsafe(slot.marker + sql, ...values);
      if (!slot.open) return Promise.reject(closed());
      return slot.client.query(sql, values).then((result) => result.rowCount ?? 0);
    },
    query: () => undefined,
  };
}

/** `tx` (a writeTransaction's Prisma client) with its raw statements sent through `direct` where it can. */
export function directStatements(tx: Tx, direct: DirectConnection): Tx {
  const prisma = tx as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const $executeRawUnsafe = (sql: string, ...values: unknown[]) => direct.execute(sql, values) ?? prisma.$executeRawUnsafe!(sql, ...values);
  const $executeRaw = (strings: unknown, ...values: unknown[]) => {
    const ran = isTemplate(strings) ? direct.execute(strings.reduce((sql, part, i) => `${sql}${direct.placeholder(i)}${part}`), values) : undefined;
    return ran ?? prisma.$executeRaw!(strings, ...values);
  };
  const $queryRawUnsafe = (sql: string, ...values: unknown[]) => direct.query(sql, values) ?? prisma.$queryRawUnsafe!(sql, ...values);

  return new Proxy(tx, {
    get(target, prop) {
      if (prop === "$executeRawUnsafe") return $executeRawUnsafe;
      if (prop === "$executeRaw") return $executeRaw;
      if (prop === "$queryRawUnsafe") return $queryRawUnsafe;
      return Reflect.get(target, prop);
    },
  });
}
