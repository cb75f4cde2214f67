// Signed checkpoints of the chain head (docs/audit.md, "Checkpoints"). A hash chain alone cannot show
// that its tail was cut off: whoever truncates the table can rewind the head row too. A
// checkpoint is the issuer's signed statement "at time T the chain had `seq` entries and
// ended in `head_hash`"; once published (GET /api/audit/checkpoints) and copied elsewhere,
// a chain shorter than a checkpoint, or different at its seq, is caught by verification.
import { writeTransaction, type Db } from "../db";
import type { CheckpointSigner } from "./checkpoint-signer";
import type { TrustedCheckpoint } from "./verify";
import { errorMessage } from "../error-message";

export interface StoredCheckpoint {
  id: number;
  seq: number;
  headHash: string;
  jws: string;
  signedAt: Date;
}

/**
 * Signs the current head when the last checkpoint is at least `everySeconds` old and the
 * chain has grown since. Safe to call from every process on a timer: it runs under the head
 * lock, so two processes never sign twice for the same interval.
 */
export async function maybeCheckpoint(
  db: Db,
  signer: CheckpointSigner,
  { everySeconds, now = new Date() }: { everySeconds: number; now?: Date },
): Promise<StoredCheckpoint | null> {
  return writeTransaction(db, async (tx) => {
    // A no-op write: the head row lock on PostgreSQL (on SQLite the transaction holds the write lock).
    const head = await tx.$queryRawUnsafe<{ seq: number | bigint; hash: string }[]>(
      `UPDATE "AuditHead" SET "seq" = "seq" WHERE "id" = 1 RETURNING "seq", "hash"`,
    );
    const seq = Number(head[0]?.seq ?? 0);
    const headHash = head[0]?.hash;
    if (seq === 0 || headHash === undefined) return null;
    const latest = await tx.auditCheckpoint.findFirst({ orderBy: { id: "desc" } });
    if (latest && latest.seq >= seq) return null;
    if (latest && now.getTime() - latest.signedAt.getTime() < everySeconds * 1000) return null;
    const iat = Math.floor(now.getTime() / 1000);
    const jws = await signer.sign({ seq, head_hash: headHash, iat });
    return tx.auditCheckpoint.create({ data: { seq, headHash, jws, signedAt: now } });
  });
}

/** Calls maybeCheckpoint every `everySeconds` (unref'd: never keeps a process alive). */
export function startCheckpointTimer(db: Db, signer: CheckpointSigner, { everySeconds }: { everySeconds: number }): () => void {
  const tick = () =>
    maybeCheckpoint(db, signer, { everySeconds }).catch((err: Error) => {
      console.error(`audit checkpoint failed: ${errorMessage(err)}`);
    });
  const timer = setInterval(tick, Math.max(1, everySeconds) * 1000);
  timer.unref();
  void tick();
  return () => clearInterval(timer);
}

/** The most recent checkpoints, latest first. */
export async function listCheckpoints(db: Db, limit = 100): Promise<StoredCheckpoint[]> {
  return db.auditCheckpoint.findMany({ orderBy: { id: "desc" }, take: Math.min(Math.max(1, limit), 1000) });
}

export interface CheckpointCheck {
  trusted: TrustedCheckpoint[];
  /** Checkpoints that failed their signature check, or disagree with their own row. */
  invalid: string[];
}

/**
 * Checks the signatures of the latest `latest` stored checkpoints and of any `extra` JWS
 * (copies kept outside the database, which survive a database writer deleting rows).
 */
export async function trustedCheckpoints(db: Db, signer: CheckpointSigner, { latest = 20, extra = [] as string[] } = {}): Promise<CheckpointCheck> {
  const rows = await listCheckpoints(db, latest);
  const trusted: TrustedCheckpoint[] = [];
  const invalid: string[] = [];
  for (const row of rows) {
    try {
      const p = await signer.verify(row.jws);
      if (p.seq !== row.seq || p.head_hash !== row.headHash) throw new Error("its row does not match its signed payload");
      trusted.push({ seq: p.seq, headHash: p.head_hash, iat: p.iat });
    } catch (err) {
      invalid.push(`stored checkpoint #${row.id} (seq ${row.seq}): ${(err as Error).message}`);
    }
  }
  for (const [i, jws] of extra.entries()) {
    try {
      const p = await signer.verify(jws);
      trusted.push({ seq: p.seq, headHash: p.head_hash, iat: p.iat });
    } catch (err) {
      invalid.push(`supplied checkpoint ${i + 1}: ${(err as Error).message}`);
    }
  }
  return { trusted, invalid };
}

