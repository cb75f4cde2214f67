// Where verification reads rows from. Through Prisma by default (both providers); when the
// database URL is known, through a direct connection (a read-only better-sqlite3 handle on
// the file, or one node-postgres client with array rows), which decodes a row several times
// faster: it is what keeps a million-entry verification well under 20 s.
// Reads happen in batches with a yield between them, so a web process stays responsive.
import Database from "better-sqlite3";
import pg from "pg";
import type { Db } from "../db";
import { databaseTarget } from "../db/target";
import { readAscending, SELECT_COLUMNS, type StoredAuditRow } from "./rows";

export interface RowReader {
  /** Rows with seq > afterSeq, ascending, at most `limit`. */
  read(afterSeq: number, limit: number): Promise<StoredAuditRow[]>;
  close(): void;
}

export function prismaRowReader(db: Db): RowReader {
  return { read: (afterSeq, limit) => readAscending(db, afterSeq, limit), close: () => {} };
}

type RawRow = [number, number, string, string | null, string | null, string | null, string | null, string, string, string | null, string, string, string];

function fromRaw(r: RawRow): StoredAuditRow {
  return {
    seq: Number(r[0]),
    // Prisma's SQLite adapter stores DateTime as milliseconds since the epoch (lib/db/adapter.ts).
    time: new Date(typeof r[1] === "number" ? r[1] : Date.parse(String(r[1]))),
    actorType: r[2],
    actorId: r[3],
    subjectUserId: r[4],
    clientId: r[5],
    grantId: r[6],
    type: r[7],
    outcome: r[8],
    reason: r[9],
    details: r[10],
    prevHash: r[11],
    hash: r[12],
  };
}

function sqliteRowReader(file: string): RowReader {
  const conn = new Database(file, { readonly: true, fileMustExist: true });
  conn.pragma("busy_timeout = 10000");
  const stmt = conn.prepare(`SELECT ${SELECT_COLUMNS} FROM "AuditEvent" WHERE "seq" > ? ORDER BY "seq" ASC LIMIT ?`).raw(true);
  return {
    async read(afterSeq, limit) {
      await new Promise((resolve) => setImmediate(resolve)); // let other work run between batches
      return (stmt.all(afterSeq, limit) as RawRow[]).map(fromRaw);
    },
    close: () => conn.close(),
  };
}

// Time as milliseconds since the epoch, computed by the server: node-postgres would otherwise
// read a zone-less TIMESTAMP in the process's local time zone.
const PG_COLUMNS = SELECT_COLUMNS.replace('"time"', `FLOOR(EXTRACT(EPOCH FROM "time") * 1000)::float8 AS "time"`);

function postgresRowReader(url: string): RowReader {
  const client = new pg.Client({ connectionString: url });
  const connected = client.connect();
  connected.catch(() => {}); // surfaced by the first read
  return {
    async read(afterSeq, limit) {
      await connected;
      const res = await client.query<RawRow>({
        text: `SELECT ${PG_COLUMNS} FROM "AuditEvent" WHERE "seq" > $1 ORDER BY "seq" ASC LIMIT $2`,
        values: [afterSeq, limit],
        rowMode: "array",
      });
      return res.rows.map(fromRaw);
    },
    close: () => void client.end().catch(() => {}),
  };
}

/** The fastest reader for this database: a direct connection when the URL is known, Prisma otherwise. */
export function openRowReader(db: Db, databaseUrl?: string): RowReader {
  if (databaseUrl) {
    const target = databaseTarget(databaseUrl);
    if (target.provider === "postgresql") return postgresRowReader(databaseUrl);
    if (target.filePath && target.filePath !== ":memory:") return sqliteRowReader(target.filePath);
  }
  return prismaRowReader(db);
}
