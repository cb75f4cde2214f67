// Key rotation: by age (ensureSigningKeys, called at startup and lazily while signing) and
// on demand (`npm run admin -- rotate-keys`). Each rotation publishes the new key at once,
// lets it sign only after PUBLISH_LEAD_SECONDS, and keeps the old key published until every
// token it signed has expired (removalTime). Audited as key.rotated.
import { appendAudit } from "../../audit/append";
import { providerOf } from "../../db/client";
import { writeTransaction, type Tx } from "../../db";
import type { Deps } from "../../deps";
import { createKey, liveKeys, loadKeys, PUBLISH_LEAD_SECONDS, purgeRemovedKeys, retireKey, type StoredKey } from "./store";
import { forgetKeyCache } from "./cache";

export interface RotationResult {
  kid: string;
  activatesAt: Date;
  retired: string[];
}

// Serialises key management across processes: the no-op update of the audit head row takes
// SQLite's write lock (writeTransaction already did) and a row lock on PostgreSQL, so two
// processes cannot both decide that a key is missing and both create one. Under READ COMMITTED
// the statements after the lock see what the other process committed.
async function lockKeyManagement(tx: Tx, db: Deps["db"]): Promise<void> {
  if (providerOf(db) === "postgresql") await tx.$executeRaw`UPDATE "AuditHead" SET "seq" = "seq" WHERE "id" = 1`;
}

function tooOld(key: StoredKey, deps: Deps): boolean {
  const maxAgeMs = deps.config.signingKeyMaxAgeDays * 24 * 3600 * 1000;
  return deps.now().getTime() - key.createdAt.getTime() >= maxAgeMs;
}

async function rotateInTx(tx: Tx, deps: Deps, activateInSeconds: number, reason: string): Promise<RotationResult> {
  const now = deps.now();
  const activatesAt = new Date(now.getTime() + activateInSeconds * 1000);
  const previous = liveKeys(await loadKeys(tx), now);
  const fresh = await createKey(tx, deps.config.keyEncryptionKey, now, activatesAt);
  // The old keys sign until the new one takes over, then stay published (removalTime).
  for (const key of previous) await retireKey(tx, key.kid, activatesAt);
  await purgeRemovedKeys(tx, now);
  const retired = previous.map((k) => k.kid);
  await appendAudit(
    tx,
    {
      type: "key.rotated",
      outcome: "success",
      actorType: "system",
      reason,
      details: { kid: fresh.kid, alg: fresh.alg, activates_at: activatesAt.toISOString(), retired_kids: retired },
    },
    now,
  );
  return { kid: fresh.kid, activatesAt, retired };
}

/** Rotates now: the new key is published at once and signs after `activateInSeconds`. */
export async function rotateSigningKeys(
  deps: Deps,
  options: { activateInSeconds?: number; reason?: string } = {},
): Promise<RotationResult> {
  const lead = options.activateInSeconds ?? PUBLISH_LEAD_SECONDS;
  if (!Number.isFinite(lead) || lead < 0) throw new RangeError("activateInSeconds must be a non-negative number");
  const result = await writeTransaction(deps.db, async (tx) => {
    await lockKeyManagement(tx, deps.db);
    return rotateInTx(tx, deps, lead, options.reason ?? "manual");
  });
  forgetKeyCache(deps.db);
  return result;
}

/**
 * Makes sure a key can sign: creates the first key (signing at once: nobody can have cached
 * an older JWKS), or rotates when the newest key is older than SIGNING_KEY_MAX_AGE_DAYS.
 * Cheap when nothing is due (one read). Returns the rotation when one happened.
 */
export async function ensureSigningKeys(deps: Deps): Promise<RotationResult | null> {
  const needsWork = (keys: StoredKey[]) => {
    const live = liveKeys(keys, deps.now());
    if (!live.length) return "initial" as const;
    const newest = live.reduce((a, b) => (a.createdAt > b.createdAt ? a : b));
    return tooOld(newest, deps) ? ("age" as const) : null;
  };
  if (!needsWork(await loadKeys(deps.db))) return null;
  const result = await writeTransaction(deps.db, async (tx) => {
    await lockKeyManagement(tx, deps.db);
    const due = needsWork(await loadKeys(tx)); // re-check under the lock: another process may have done it
    if (!due) return null;
    return rotateInTx(tx, deps, due === "initial" ? 0 : PUBLISH_LEAD_SECONDS, due === "initial" ? "initial key" : "key age");
  });
  if (result) forgetKeyCache(deps.db);
  return result;
}
