// Retention sweeps (docs/outbox.md, "Retention"): rows that protect nothing any more are
// deleted, each kind only after its own period (RETENTION_*). What a sweep must never delete:
// anything a live protocol check still reads. Each sweep says below which check that is. The
// audit trail is never swept: its entries are kept, whatever they name.
import type { Deps } from "../deps";
import { pruneSeenJti } from "../oauth/dpop/replay";

export interface SweepCounts {
  authorizationRequests: number;
  authorizationCodes: number;
  accessTokenRecords: number;
  refreshTokens: number;
  seenJti: number;
  metadataClients: number;
}

const BATCH = 1000;
const before = (now: Date, ms: number) => new Date(now.getTime() - ms);

/**
 * Authorization requests (authorize, PAR, CIBA, device) a period after they expired: the
 * consent page, a CIBA or device poll and a PAR request_uri refuse an expired request, and a
 * deleted one as unknown, with the same error; the grants keep what was decided.
 */
export async function sweepAuthorizationRequests(deps: Deps, now: Date): Promise<number> {
  const { count } = await deps.db.authorizationRequest.deleteMany({ where: { expiresAt: { lt: before(now, deps.config.retention.authorizationRequestMs) } } });
  return count;
}

/**
 * Authorization codes a period after they expired. A spent code is kept until then: presented
 * again, it revokes its grant (RFC 6749 section 10.5, lib/oauth/token/authorization-code.ts).
 */
export async function sweepAuthorizationCodes(deps: Deps, now: Date): Promise<number> {
  const { count } = await deps.db.authorizationCode.deleteMany({ where: { expiresAt: { lt: before(now, deps.config.retention.authorizationCodeMs) } } });
  return count;
}

/** Access-token records (jti, for introspection and revocation) a period after the JWT expired: verification rejects it on `exp` first. */
export async function sweepAccessTokenRecords(deps: Deps, now: Date): Promise<number> {
  const { count } = await deps.db.issuedToken.deleteMany({ where: { expiresAt: { lt: before(now, deps.config.retention.tokenMs) } } });
  return count;
}

/**
 * Refresh tokens expired or revoked longer than the period ago, except a rotated token whose
 * grant still lives: presented again it is the reuse that revokes the grant (RFC 9700 section
 * 4.14.2; lib/oauth/token/refresh.ts checks rotation before expiry), so it stays as long as
 * the grant does. Any other such token is refused the same way whether its row exists or not.
 */
export async function sweepRefreshTokens(deps: Deps, now: Date, batch = BATCH): Promise<number> {
  const cutoff = before(now, deps.config.retention.tokenMs);
  let deleted = 0;
  // In pages by id: rows kept (rotated, grant live) stay candidates, and must not hide the rest.
  for (let after: string | undefined; ; ) {
    const candidates = await deps.db.refreshToken.findMany({
      where: { OR: [{ expiresAt: { lt: cutoff } }, { revokedAt: { lt: cutoff } }], ...(after ? { id: { gt: after } } : {}) },
      select: { id: true, grantId: true, rotatedAt: true },
      orderBy: { id: "asc" },
      take: batch,
    });
    const last = candidates.at(-1);
    if (!last) return deleted;
    after = last.id;
    const grantIds = [...new Set(candidates.filter((c) => c.rotatedAt).map((c) => c.grantId))];
    const live = grantIds.length
      ? new Set((await deps.db.grant.findMany({ where: { id: { in: grantIds }, status: "active", revokedAt: null, expiresAt: { gt: now } }, select: { id: true } })).map((g) => g.id))
      : new Set<string>();
    const ids = candidates.filter((c) => !(c.rotatedAt && live.has(c.grantId))).map((c) => c.id);
    if (ids.length) {
      // Re-checked in the delete itself: a grant cannot come back to life, so only "rotated
      // since the read, and its grant live" could change the answer, and that token stays.
      const { count } = await deps.db.refreshToken.deleteMany({ where: { id: { in: ids }, OR: [{ rotatedAt: null }, { grantId: { notIn: [...live] } }] } });
      deleted += count;
    }
    if (candidates.length < batch) return deleted;
  }
}

/**
 * Metadata-document clients (their client_id is an https URL, fetched on demand) not fetched
 * for the period, that no grant, authorization request or access-token record names. A client
 * with any grant, live or not, stays: grants reference it. Used again later, it is fetched
 * again like a new one.
 */
export async function sweepMetadataClients(deps: Deps, now: Date, batch = BATCH): Promise<number> {
  const cutoff = before(now, deps.config.retention.metadataClientMs);
  let deleted = 0;
  for (let after: string | undefined; ; ) {
    const idle = await deps.db.client.findMany({
      where: {
        kind: "metadata_document",
        grants: { none: {} },
        OR: [{ fetchedAt: { lt: cutoff } }, { fetchedAt: null, createdAt: { lt: cutoff } }],
        ...(after ? { id: { gt: after } } : {}),
      },
      select: { id: true },
      orderBy: { id: "asc" },
      take: batch,
    });
    const last = idle.at(-1);
    if (!last) return deleted;
    after = last.id;
    const ids = idle.map((c) => c.id);
    const [requests, tokens] = await Promise.all([
      deps.db.authorizationRequest.findMany({ where: { clientId: { in: ids } }, select: { clientId: true }, distinct: ["clientId"] }),
      deps.db.issuedToken.findMany({ where: { clientId: { in: ids } }, select: { clientId: true }, distinct: ["clientId"] }),
    ]);
    const named = new Set([...requests, ...tokens].map((r) => r.clientId));
    const unused = ids.filter((id) => !named.has(id));
    if (unused.length) {
      // `grants: none` again in the statement: a grant made since the read keeps its client
      // (and the foreign key refuses a grant for a client deleted first).
      const { count } = await deps.db.client.deleteMany({ where: { id: { in: unused }, kind: "metadata_document", grants: { none: {} } } });
      deleted += count;
    }
    if (idle.length < batch) return deleted;
  }
}

/** Every sweep once, in order. */
export async function runRetentionSweeps(deps: Deps): Promise<SweepCounts> {
  const now = deps.now();
  return {
    authorizationRequests: await sweepAuthorizationRequests(deps, now),
    authorizationCodes: await sweepAuthorizationCodes(deps, now),
    accessTokenRecords: await sweepAccessTokenRecords(deps, now),
    refreshTokens: await sweepRefreshTokens(deps, now),
    // A jti is remembered exactly until its proof could no longer be accepted (RFC 9449 section 11.1).
    seenJti: await pruneSeenJti(deps.db, now),
    metadataClients: await sweepMetadataClients(deps, now),
  };
}

