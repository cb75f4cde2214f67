// The complete check an auditor runs (`npm run audit:verify`, the console's "Verify chain"
// button): the chain itself, anchored by the signed checkpoints.
import type { AppConfig } from "../config";
import type { Db } from "../db";
import { trustedCheckpoints } from "./checkpoint";
import { derivedCheckpointSigner, type CheckpointSigner } from "./checkpoint-signer";
import { verifyChain, type VerifyResult } from "./verify";

export interface AuditTrailVerdict extends VerifyResult {
  /** Checkpoints that could not be trusted (bad signature, altered row). */
  checkpointProblems: string[];
}

const signers = new Map<string, CheckpointSigner>();

/** The process-wide checkpoint signer for this configuration. */
export function checkpointSigner(config: Pick<AppConfig, "keyEncryptionKey">): CheckpointSigner {
  let signer = signers.get(config.keyEncryptionKey);
  if (!signer) {
    signer = derivedCheckpointSigner(config.keyEncryptionKey);
    signers.set(config.keyEncryptionKey, signer);
  }
  return signer;
}

export async function verifyAuditTrail(
  db: Db,
  signer: CheckpointSigner,
  opts: { extraCheckpoints?: string[]; onProgress?: (checked: number, total: number) => void; batchSize?: number; databaseUrl?: string } = {},
): Promise<AuditTrailVerdict> {
  const { trusted, invalid } = await trustedCheckpoints(db, signer, { extra: opts.extraCheckpoints });
  const result = await verifyChain(db, { checkpoints: trusted, onProgress: opts.onProgress, batchSize: opts.batchSize, databaseUrl: opts.databaseUrl });
  return { ...result, ok: result.ok && invalid.length === 0, checkpointProblems: invalid };
}
