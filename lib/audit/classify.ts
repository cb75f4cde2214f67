// Names what happened at the first place the chain breaks. The checks in verify.ts only say
// "this link does not hold"; an auditor needs to know whether an entry was modified,
// deleted, inserted or moved. Each entry's hash covers its own seq, so the seq an entry
// was written with can be recovered by trying nearby numbers, and the unique index on
// `hash` finds where the entry a link points to went.
import type { Db } from "../db";
import { entryHash } from "./hash";
import { findByHash, hashedFields, type StoredAuditRow } from "./rows";

export type TamperKind = "modified" | "deleted" | "inserted" | "reordered" | "truncated";

export interface ChainProblem {
  kind: TamperKind;
  /** The first bad entry's seq (for deletions: the first missing seq). */
  seq: number;
  message: string;
}

/** What verification knows about the last entry that checked out (seq 0: the genesis). */
export interface GoodLink {
  seq: number;
  hash: string;
  prevHash: string;
}

const SEARCH_RADIUS = 256;

/** The seq this row's hash was computed with, or null when its content itself was changed. */
export function originalSeq(row: StoredAuditRow): number | null {
  let fields;
  try {
    fields = hashedFields(row);
  } catch {
    return null;
  }
  if (entryHash(fields) === row.hash) return row.seq;
  for (let d = 1; d <= SEARCH_RADIUS; d++) {
    for (const seq of [row.seq - d, row.seq + d]) {
      if (seq > 0 && entryHash({ ...fields, seq }) === row.hash) return seq;
    }
  }
  return null;
}

const short = (h: string) => h.slice(0, 12);

/**
 * Classifies the break at `rows[0]`, the first row that failed its checks after `prev`.
 * `rows` holds that row and the rows after it (at least one more when there is one).
 */
export async function classifyBreak(db: Db, prev: GoodLink, rows: readonly [StoredAuditRow, ...StoredAuditRow[]], headSeq: number): Promise<ChainProblem> {
  const [r, next] = rows;
  const e = prev.seq + 1;
  const o = originalSeq(r);

  if (r.seq > headSeq) {
    return { kind: "inserted", seq: r.seq, message: `entry ${r.seq} lies beyond the chain head (seq ${headSeq}): it was added without going through the chain` };
  }
  if (r.seq > e) {
    if (o === e) return { kind: "modified", seq: r.seq, message: `entry ${e} was renumbered to ${r.seq}: its hash was computed with seq ${e}` };
    const moved = await findByHash(db, r.prevHash);
    if (moved && moved.seq !== prev.seq) {
      return { kind: "reordered", seq: e, message: `seq ${e} is missing here: entry ${r.seq} links to the entry now stored at seq ${moved.seq}` };
    }
    const last = r.seq - 1;
    return {
      kind: "deleted",
      seq: e,
      message: `${last === e ? `entry ${e} is` : `entries ${e}..${last} are`} missing: entry ${r.seq} links to ${short(r.prevHash)}, which no stored entry has`,
    };
  }
  // r.seq === e: the numbering fits; look at the content and the link.
  if (o !== null && o > e) {
    const moved = await findByHash(db, r.prevHash);
    if (moved) {
      return { kind: "reordered", seq: e, message: `entry ${e} holds the entry written as seq ${o}; the entry it follows is stored at seq ${moved.seq}` };
    }
    return { kind: "deleted", seq: e, message: `entries ${e}..${o - 1} were deleted and the later entries renumbered: entry ${e} was written as seq ${o}` };
  }
  if (next && next.prevHash === prev.hash) {
    return { kind: "inserted", seq: e, message: `entry ${e} was inserted: entry ${next.seq} links past it, to entry ${prev.seq}` };
  }
  if (o === null) {
    return { kind: "modified", seq: e, message: `entry ${e} was modified: its content no longer matches its hash` };
  }
  if (o === e) {
    // Intact on its own but not linked to its predecessor: one of the two was rewritten
    // together with its hash (which is why the earlier one is named).
    const bad = Math.max(prev.seq, 1);
    return {
      kind: "modified",
      seq: bad,
      message: `the link from entry ${e} to entry ${prev.seq} is broken: entry ${bad} was rewritten and its hash recomputed (entry ${e} expects ${short(r.prevHash)}, found ${short(prev.hash)})`,
    };
  }
  // o < e: this entry was written with a lower number and pushed up.
  if (o === e - 1 && r.prevHash === prev.prevHash) {
    return { kind: "inserted", seq: prev.seq, message: `entry ${prev.seq} was inserted: the entry after it was written as seq ${o} and links past it` };
  }
  return { kind: "reordered", seq: e, message: `entry ${e} was written as seq ${o} and moved here` };
}
