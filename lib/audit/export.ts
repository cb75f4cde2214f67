// Streamed export of a filter's entries as JSONL or CSV, oldest first. A ReadableStream that
// pulls one keyset batch at a time: a million-entry export holds one batch in memory and
// starts arriving at once. CSV follows RFC 4180 (CRLF, quoted fields, doubled quotes) and
// neutralises spreadsheet formulas (OWASP "CSV injection"): reason and ids can be
// client-chosen text such as "=HYPERLINK(...)".
import type { Db } from "../db";
import type { AuditFilter } from "./filter";
import { iterateAudit } from "./query";
import type { StoredAuditRow } from "./rows";

export type ExportFormat = "jsonl" | "csv";

/** The wire form of an entry: snake_case names, details as JSON. */
export function entryToWire(r: StoredAuditRow) {
  let details: unknown;
  try {
    details = JSON.parse(r.details);
  } catch {
    details = r.details; // exported as stored; verification reports it
  }
  return {
    seq: r.seq,
    time: r.time.toISOString(),
    actor_type: r.actorType,
    actor_id: r.actorId,
    subject_user_id: r.subjectUserId,
    client_id: r.clientId,
    grant_id: r.grantId,
    type: r.type,
    outcome: r.outcome,
    reason: r.reason,
    details,
    prev_hash: r.prevHash,
    hash: r.hash,
  };
}

export const CSV_COLUMNS = ["seq", "time", "actor_type", "actor_id", "subject_user_id", "client_id", "grant_id", "type", "outcome", "reason", "details", "prev_hash", "hash"] as const;

/** One CSV field: formula triggers prefixed with ', then quoted when needed (RFC 4180, 2.6-2.7). */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  let s = typeof value === "string" ? value : typeof value === "number" ? String(value) : JSON.stringify(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: unknown[]): string {
  return `${values.map(csvField).join(",")}\r\n`;
}

function rowToCsv(r: StoredAuditRow): string {
  const w = entryToWire(r);
  return csvLine(CSV_COLUMNS.map((c) => w[c]));
}

export function exportStream(db: Db, filter: AuditFilter, format: ExportFormat, batchSize = 1000): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const batches = iterateAudit(db, filter, batchSize);
  let headerSent = format !== "csv";
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(csvLine([...CSV_COLUMNS])));
        return;
      }
      try {
        const next = await batches.next();
        if (next.done) {
          controller.close();
          return;
        }
        const text = next.value.map((r) => (format === "csv" ? rowToCsv(r) : `${JSON.stringify(entryToWire(r))}\n`)).join("");
        controller.enqueue(encoder.encode(text));
      } catch (err) {
        controller.error(err);
      }
    },
    async cancel() {
      await batches.return(undefined);
    },
  });
}

export function exportFilename(format: ExportFormat, now: Date): string {
  return `audit-${now.toISOString().replace(/[:.]/g, "-")}.${format}`;
}
