// Verifies the whole chain, streaming it in keyset batches (seq ascending) so memory stays
// flat at any size: each entry must carry the next seq, link to its predecessor's hash,
// and hash to its stored hash; the last entry must be the head; every trusted checkpoint
// must match the entry at its seq. The first failure is classified (classify.ts).
import type { Db } from "../db";
import { classifyBreak, type ChainProblem, type GoodLink } from "./classify";
import { entryHash, GENESIS_HASH, storedEntryHash } from "./hash";
import { hashedFields, readAscending, readHead, type StoredAuditRow } from "./rows";

/** A checkpoint whose signature has already been checked (see checkpoint.ts). */
export interface TrustedCheckpoint {
  seq: number;
  headHash: string;
  /** When it was signed (seconds since the epoch), for messages. */
  iat: number;
}

export interface VerifyOptions {
  batchSize?: number;
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

function checkpointMismatch(cp: TrustedCheckpoint, row: StoredAuditRow): ChainProblem {
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

export async function verifyChain(db: Db, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const started = performance.now();
  const batchSize = opts.batchSize ?? 5000;
  const cps = opts.checkpoints ?? [];
  const expected = new Map<number, TrustedCheckpoint>();
  for (const cp of cps) expected.set(cp.seq, cp);
  // One snapshot of head and table end: entries appended while we verify lie beyond it and
  // are left for the next run; an entry beyond the head *in* the snapshot was inserted.
  const { headSeq, headHash, maxSeq } = await readHead(db);
  const end = Math.max(headSeq, maxSeq);
  let prev: GoodLink = { seq: 0, hash: GENESIS_HASH, prevHash: GENESIS_HASH };
  let checked = 0;
  let checkpointsChecked = 0;
  const result = (problem: ChainProblem | null): VerifyResult => ({
    ok: problem === null,
    checked,
    headSeq,
    headHash,
    lastSeq: prev.seq,
    problem,
    checkpointsChecked,
    elapsedMs: Math.round(performance.now() - started),
  });

  for (;;) {
    const batch = (await readAscending(db, prev.seq, batchSize)).filter((r) => r.seq <= end);
    if (batch.length === 0) break;
    for (let i = 0; i < batch.length; i++) {
      const row = batch[i];
      if (!rowIsGood(row, prev, headSeq)) {
        let window = batch.slice(i, i + 2);
        if (window.length < 2) window = window.concat((await readAscending(db, row.seq, 1)).filter((r) => r.seq <= end));
        return result(await classifyBreak(db, prev, window, headSeq));
      }
      const cp = expected.get(row.seq);
      if (cp) {
        if (cp.headHash !== row.hash) return result(checkpointMismatch(cp, row));
        checkpointsChecked++;
      }
      prev = { seq: row.seq, hash: row.hash, prevHash: row.prevHash };
      checked++;
    }
    opts.onProgress?.(checked, end);
    if (batch.length < batchSize) break;
  }
  return result(tailProblem(prev.seq, prev.hash, headSeq, headHash, cps));
}
