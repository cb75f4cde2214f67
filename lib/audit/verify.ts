// Verifies the whole chain, streaming it in keyset batches (seq ascending) so memory stays
// flat at any size: each entry must carry the next seq, link to its predecessor's hash,
// and hash to its stored hash; the last entry must be the head; every trusted checkpoint
// must match the entry at its seq. The first failure is classified (classify.ts).
import type { Db } from "../db";
import { classifyBreak, type ChainProblem, type GoodLink } from "./classify";
import { entryHash, GENESIS_HASH, storedEntryHash } from "./hash";
import { openRowReader, type RowReader } from "./row-reader";
import { hashedFields, readHead, type StoredAuditRow } from "./rows";

/** A checkpoint whose signature has already been checked (see checkpoint.ts). */
export interface TrustedCheckpoint {
  seq: number;
  headHash: string;
  /** When it was signed (seconds since the epoch), for messages. */
  iat: number;
}

export interface VerifyOptions {
  batchSize?: number;
  /** The database URL, when known: rows are then read through a direct connection (row-reader.ts). */
  databaseUrl?: string;
  checkpoints?: TrustedCheckpoint[];
  onProgress?: (checked: number, total: number) => void;
}

export interface VerifyResult {
  ok: boolean;
  /** Entries checked before the verdict. */
  checked: number;
  headSeq: number;
  headHash: string;
  lastSeq: number;
  problem: ChainProblem | null;
  checkpointsChecked: number;
  elapsedMs: number;
}

function rowIsGood(row: StoredAuditRow, prev: GoodLink, headSeq: number): boolean {
  if (row.seq !== prev.seq + 1 || row.prevHash !== prev.hash || row.seq > headSeq) return false;
  // Fast path: details stored as canonical JSON (appendAudit writes it so).
  if (storedEntryHash(row) === row.hash) return true;
  try {
    return entryHash(hashedFields(row)) === row.hash;
  } catch {
    return false;
  }
}

const isoOf = (iat: number) => new Date(iat * 1000).toISOString();

function checkpointMismatch(cp: TrustedCheckpoint): ChainProblem {
  return {
    kind: "modified",
    seq: cp.seq,
    message: `entry ${cp.seq} differs from the checkpoint signed at ${isoOf(cp.iat)}: the chain up to it was rewritten (hashes recomputed)`,
  };
}

function tailProblem(lastSeq: number, lastHash: string, headSeq: number, headHash: string, cps: TrustedCheckpoint[]): ChainProblem | null {
  if (lastSeq < headSeq) {
    return { kind: "truncated", seq: lastSeq + 1, message: `entries ${lastSeq + 1}..${headSeq} are missing from the end: the chain head says ${headSeq}, the table ends at ${lastSeq}` };
  }
  if (lastHash !== headHash) {
    return { kind: "modified", seq: lastSeq, message: `the last entry (${lastSeq}) does not match the chain head: it was rewritten with its hash recomputed, or the head was altered` };
  }
  const beyond = cps.filter((cp) => cp.seq > lastSeq).sort((a, b) => b.seq - a.seq)[0];
  if (beyond) {
    return {
      kind: "truncated",
      seq: lastSeq + 1,
      message: `entries ${lastSeq + 1}..${beyond.seq} are missing from the end: a checkpoint signed at ${isoOf(beyond.iat)} covers seq ${beyond.seq}, the table ends at ${lastSeq}`,
    };
  }
  return null;
}

interface Walk {
  prev: GoodLink;
  checked: number;
  checkpointsChecked: number;
}

/** Streams rows up to `end`, stopping at the first that fails; returns the problem or null. */
async function walkChain(
  db: Db,
  reader: RowReader,
  w: Walk,
  { end, headSeq, batchSize, expected, onProgress }: { end: number; headSeq: number; batchSize: number; expected: Map<number, TrustedCheckpoint>; onProgress?: VerifyOptions["onProgress"] },
): Promise<ChainProblem | null> {
  for (;;) {
    const batch = (await reader.read(w.prev.seq, batchSize)).filter((r) => r.seq <= end);
    for (const [i, row] of batch.entries()) {
      if (!rowIsGood(row, w.prev, headSeq)) {
        let after = batch.slice(i + 1, i + 2);
        if (after.length < 1) after = (await reader.read(row.seq, 1)).filter((r) => r.seq <= end);
        return classifyBreak(db, w.prev, [row, ...after], headSeq);
      }
      const cp = expected.get(row.seq);
      if (cp) {
        if (cp.headHash !== row.hash) return checkpointMismatch(cp);
        w.checkpointsChecked++;
      }
      w.prev = { seq: row.seq, hash: row.hash, prevHash: row.prevHash };
      w.checked++;
    }
    onProgress?.(w.checked, end);
    if (batch.length < batchSize) return null;
  }
}

export async function verifyChain(db: Db, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const started = performance.now();
  const cps = opts.checkpoints ?? [];
  const expected = new Map<number, TrustedCheckpoint>();
  for (const cp of cps) expected.set(cp.seq, cp);
  // One snapshot of head and table end: entries appended while we verify lie beyond it and
  // are left for the next run; an entry beyond the head *in* the snapshot was inserted.
  const { headSeq, headHash, maxSeq } = await readHead(db);
  const w: Walk = { prev: { seq: 0, hash: GENESIS_HASH, prevHash: GENESIS_HASH }, checked: 0, checkpointsChecked: 0 };
  const reader = openRowReader(db, opts.databaseUrl);
  let problem: ChainProblem | null;
  try {
    problem = await walkChain(db, reader, w, {
      end: Math.max(headSeq, maxSeq),
      headSeq,
      batchSize: opts.batchSize ?? 5000,
      expected,
      onProgress: opts.onProgress,
    });
  } finally {
    reader.close();
  }
  problem ??= tailProblem(w.prev.seq, w.prev.hash, headSeq, headHash, cps);
  return {
    ok: problem === null,
    checked: w.checked,
    headSeq,
    headHash,
    lastSeq: w.prev.seq,
    problem,
    checkpointsChecked: w.checkpointsChecked,
    elapsedMs: Math.round(performance.now() - started),
  };
}
