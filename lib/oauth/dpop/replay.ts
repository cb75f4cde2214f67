// One-time-use memory for `jti` values (DPoP proofs, RFC 9449 section 11.1; client
// assertions, RFC 7523 section 3). `use` answers true exactly once per key until it expires.
import { createHash } from "node:crypto";
import type { Db } from "../../db";

export interface ReplayStore {
  /** Records `jti`; true when it was unseen (or its earlier record has expired), false on a replay. */
  use(jti: string, expiresAt: Date, now: Date): Promise<boolean>;
}

// Keys are hashed so an attacker-chosen jti of any length or alphabet stores in fixed size.
function keyOf(purpose: string, jti: string): string {
  return `${purpose}:${createHash("sha256").update(jti).digest("base64url")}`;
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "P2002";
}

/**
 * Shared by every process through the SeenJti table. The insert's primary key decides races:
 * of two concurrent uses of one jti, exactly one insert succeeds. An expired record is taken
 * over with a conditional update, which is equally race-free.
 */
export function dbReplayStore(db: Db, purpose: string): ReplayStore {
  return {
    async use(jti, expiresAt, now) {
      const key = keyOf(purpose, jti);
      try {
        await db.seenJti.create({ data: { key, expiresAt } });
        maybePrune(db, now);
        return true;
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
      }
      const revived = await db.seenJti.updateMany({ where: { key, expiresAt: { lte: now } }, data: { expiresAt } });
      return revived.count === 1;
    },
  };
}

/** Deletes expired records. Returns how many. */
export async function pruneSeenJti(db: Db, now: Date): Promise<number> {
  const { count } = await db.seenJti.deleteMany({ where: { expiresAt: { lte: now } } });
  return count;
}

// About one insert in a hundred sweeps expired records, off the caller's path.
function maybePrune(db: Db, now: Date): void {
  if (Math.random() >= 0.01) return;
  pruneSeenJti(db, now).catch(() => {});
}

/** A per-process store, for tests and single-process resource servers. */
export function memoryReplayStore(): ReplayStore {
  const seen = new Map<string, number>();
  return {
    async use(jti, expiresAt, now) {
      const t = now.getTime();
      for (const [k, exp] of seen) if (exp <= t) seen.delete(k);
      if (seen.has(jti)) return false;
      seen.set(jti, expiresAt.getTime());
      return true;
    },
  };
}
