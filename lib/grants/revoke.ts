// Grant-level revocation (README.md, docs/ciba.md "Revoking"). Revoking a grant ends everything it produced at
// once: its refresh tokens fail on the next use (RFC 7009 section 2.1: revoking the grant
// revokes its tokens), its access tokens are marked revoked for introspection, and grants
// derived from it by token exchange (RFC 8693) go with it. Resource servers see the new
// status through grantStatus, and every instance's cache is told on commit (lib/revocation).
import type { Tx } from "../db";
import { announceRevocation } from "../revocation/announce";
import { appendActorChange, type AuditActor } from "../audit/actor";

export interface RevokeResult {
  /** Grants revoked now (the grant and its still-active descendants); empty when already revoked or unknown. */
  grantIds: string[];
  refreshTokens: number;
  accessTokens: number;
}

/** Active grants derived from the given ones by token exchange, transitively. */
async function activeDescendants(tx: Tx, rootIds: string[]): Promise<string[]> {
  const found: string[] = [];
  let frontier = rootIds;
  while (frontier.length) {
    const children = await tx.grant.findMany({ where: { parentGrantId: { in: frontier }, status: "active" }, select: { id: true } });
    frontier = children.map((c) => c.id).filter((id) => !found.includes(id));
    found.push(...frontier);
  }
  return found;
}

/**
 * Revokes a grant inside the caller's write transaction, with its audit entries
 * (grant.revoked per grant, token.revoked for the tokens it ended). Idempotent: a grant
 * already revoked is left as it was.
 */
export async function revokeGrant(tx: Tx, grantId: string, reason: string, actor: AuditActor, now: Date = new Date()): Promise<RevokeResult> {
  const grant = await tx.grant.findUnique({ where: { id: grantId } });
  if (!grant || grant.status === "revoked") return { grantIds: [], refreshTokens: 0, accessTokens: 0 };
  const ids = [grantId, ...(await activeDescendants(tx, [grantId]))];
  await tx.grant.updateMany({ where: { id: { in: ids }, status: { not: "revoked" } }, data: { status: "revoked", revokedAt: now, revokedReason: reason } });
  const refresh = await tx.refreshToken.updateMany({ where: { grantId: { in: ids }, revokedAt: null }, data: { revokedAt: now } });
  const access = await tx.issuedToken.updateMany({ where: { grantId: { in: ids }, revokedAt: null }, data: { revokedAt: now } });
  await announceRevocation(tx, { kind: "grants", ids });
  const rows = await tx.grant.findMany({ where: { id: { in: ids } }, select: { id: true, userId: true, clientId: true } });
  for (const row of rows) {
    await appendActorChange(
      tx,
      actor,
      {
        type: "grant.revoked",
        subjectUserId: row.userId,
        clientId: row.clientId,
        grantId: row.id,
        reason,
        details: row.id === grantId ? {} : { parent_grant_id: grantId },
      },
      now,
    );
  }
  if (refresh.count || access.count) {
    await appendActorChange(
      tx,
      actor,
      {
        type: "token.revoked",
        subjectUserId: grant.userId,
        clientId: grant.clientId,
        grantId,
        reason: "grant revoked",
        details: { refresh_tokens: refresh.count, access_tokens: access.count, grants: ids.length },
      },
      now,
    );
  }
  return { grantIds: ids, refreshTokens: refresh.count, accessTokens: access.count };
}

/** Revokes every active grant a user gave one agent ("Revoke all" on the dashboard). */
export async function revokeGrantsForClient(
  tx: Tx,
  userId: string,
  clientId: string,
  reason: string,
  actor: AuditActor,
  now: Date = new Date(),
): Promise<RevokeResult> {
  const grants = await tx.grant.findMany({ where: { userId, clientId, status: "active", parentGrantId: null }, select: { id: true } });
  return mergeResults(await sequential(grants.map((g) => () => revokeGrant(tx, g.id, reason, actor, now))));
}

/** Revokes every active grant of a user (account-level revocation by an admin). */
export async function revokeGrantsForUser(tx: Tx, userId: string, reason: string, actor: AuditActor, now: Date = new Date()): Promise<RevokeResult> {
  const grants = await tx.grant.findMany({ where: { userId, status: "active" }, select: { id: true } });
  return mergeResults(await sequential(grants.map((g) => () => revokeGrant(tx, g.id, reason, actor, now))));
}

// One statement at a time: a transaction client runs queries on one connection.
async function sequential<T>(jobs: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = [];
  for (const job of jobs) out.push(await job());
  return out;
}

function mergeResults(results: RevokeResult[]): RevokeResult {
  return {
    grantIds: results.flatMap((r) => r.grantIds),
    refreshTokens: results.reduce((n, r) => n + r.refreshTokens, 0),
    accessTokens: results.reduce((n, r) => n + r.accessTokens, 0),
  };
}
