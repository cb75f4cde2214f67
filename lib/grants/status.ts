// Whether a grant still allows anything. A grant is live while it is active and before its
// expiry; an expired grant is reported as expired even before any sweep rewrites its row.
import type { Db, Tx } from "../db";
import type { Grant } from "../generated/sqlite/client";
import { entryLimits, parseMessagingDetails, type EntryLimit } from "../authorization-details";

export type GrantState = "active" | "revoked" | "expired" | "unknown";

/** The state a grant is in at `now` (the stored status, with expiry applied). */
export function effectiveStatus(grant: Pick<Grant, "status" | "expiresAt">, now: Date): Exclude<GrantState, "unknown"> {
  if (grant.status === "revoked") return "revoked";
  if (grant.status === "expired" || grant.expiresAt.getTime() <= now.getTime()) return "expired";
  return "active";
}

/**
 * The grant when it is active and unexpired at `now`, its user's account is not disabled
 * (an admin's account-level revocation voids every grant) and its client is not revoked (nor
 * does an admin's revoke-client leave any grant of that client live); otherwise null.
 */
export async function getLiveGrant(db: Db | Tx, grantId: string, now: Date = new Date()): Promise<Grant | null> {
  const row = await db.grant.findUnique({
    where: { id: grantId },
    include: { user: { select: { disabledAt: true } }, client: { select: { revokedAt: true } } },
  });
  if (!row || effectiveStatus(row, now) !== "active" || row.user.disabledAt || row.client.revokedAt) return null;
  const { user: _user, client: _client, ...grant } = row;
  return grant;
}

export interface GrantStatusEntry {
  id: string;
  status: GrantState;
  /** ISO 8601, or null for an unknown id. */
  expires_at: string | null;
  /** Each authorization-details entry's budget (absent for an unknown id). */
  message_limits?: EntryLimit[];
}

export const MAX_STATUS_IDS = 100;

/**
 * The status of each asked-for grant, in the order asked, for resource servers (the MCP
 * server polls this to see a revocation within one second). Unknown ids answer "unknown",
 * which a resource server must treat like revoked.
 */
export async function grantStatus(db: Db | Tx, ids: string[], now: Date = new Date()): Promise<GrantStatusEntry[]> {
  const unique = [...new Set(ids)].slice(0, MAX_STATUS_IDS);
  const rows = unique.length
    ? await db.grant.findMany({
        where: { id: { in: unique } },
        select: {
          id: true,
          status: true,
          expiresAt: true,
          authorizationDetails: true,
          entries: { select: { position: true, maxMessages: true, used: true } },
          user: { select: { disabledAt: true } },
          client: { select: { revokedAt: true } },
        },
      })
    : [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  return unique.map((id) => {
    const row = byId.get(id);
    if (!row) return { id, status: "unknown", expires_at: null };
    // A disabled account or a revoked client voids its grants at once, before any sweep
    // rewrites their rows.
    const status = row.user.disabledAt || row.client.revokedAt ? "revoked" : effectiveStatus(row, now);
    const limits = entryLimits(parseMessagingDetails(JSON.parse(row.authorizationDetails)), row.entries);
    return { id, status, expires_at: row.expiresAt.toISOString(), message_limits: limits };
  });
}
