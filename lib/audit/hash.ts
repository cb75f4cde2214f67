// hash = SHA-256(prev_hash || canonical JSON of the entry) (docs/audit.md, "An entry").
// Canonical JSON: keys sorted at every depth, no whitespace, as in RFC 8785 for the
// values we store (strings, integers, booleans, null, arrays, objects).
import { hash as sha } from "node:crypto";

export const GENESIS_HASH = "0".repeat(64);

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) throw new TypeError("non-finite number in audit entry");
    return JSON.stringify(value ?? null);
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/** The fields covered by the hash: everything in the entry except the hash itself. */
export interface HashedFields {
  seq: number;
  time: Date;
  actorType: string;
  actorId: string | null;
  subjectUserId: string | null;
  clientId: string | null;
  grantId: string | null;
  type: string;
  outcome: string;
  reason: string | null;
  details: Record<string, unknown>;
  prevHash: string;
}

// The one-shot crypto.hash (Node >= 20.12) is about three times faster than createHash for
// inputs this small, which matters when verification hashes a million entries.
function sha256Hex(text: string): string {
  return sha("sha256", text, "hex");
}

export function entryHash(f: HashedFields): string {
  // Named field by field, so a stored row (which also carries `hash`) hashes the same.
  const entry = {
    seq: f.seq,
    time: f.time,
    actorType: f.actorType,
    actorId: f.actorId,
    subjectUserId: f.subjectUserId,
    clientId: f.clientId,
    grantId: f.grantId,
    type: f.type,
    outcome: f.outcome,
    reason: f.reason,
    details: f.details,
  };
  return sha256Hex(f.prevHash + canonicalJson(entry));
}

const q = (s: string | null) => (s === null ? "null" : JSON.stringify(s));

/**
 * entryHash for a stored row whose `details` text is already canonical JSON (as appendAudit
 * writes it): the canonical entry is assembled directly, keys in sorted order, instead of
 * parsing and re-serialising. Gives the same hash as entryHash exactly when the details text
 * is canonical; verification falls back to entryHash otherwise.
 */
export function storedEntryHash(f: Omit<HashedFields, "details"> & { details: string }): string {
  const json =
    `{"actorId":${q(f.actorId)},"actorType":${q(f.actorType)},"clientId":${q(f.clientId)},"details":${f.details},` +
    `"grantId":${q(f.grantId)},"outcome":${q(f.outcome)},"reason":${q(f.reason)},"seq":${f.seq},` +
    `"subjectUserId":${q(f.subjectUserId)},"time":"${f.time.toISOString()}","type":${q(f.type)}}`;
  return sha256Hex(f.prevHash + json);
}
