// Whether a grant still allows anything: the one rule, used by the issuer (token endpoint,
// introspection, the status feed) and both resource servers (lib/resource-server/grant-status.ts).
// A grant is live while it is active and before its expiry, its client is not revoked and its
// user's account is not disabled; an expired grant is reported as expired even before any sweep
// rewrites its row.
import type { Db, Tx } from "../db";
import type { Grant } from "../generated/sqlite/client";
import { type EntryLimit, entryLimits, parseStoredDetails } from "../authorization-details";
import type { GrantFeedState, GrantState } from "../contracts/grant-status";

export type { GrantState } from "../contracts/grant-status";

/** The state of the grant row alone at `now` (the stored status, with expiry applied). */
export function effectiveStatus(grant: Pick<Grant, "status" | "expiresAt">, now: Date): Exclude<GrantState, "account_disabled"> {
  if (grant.status === "revoked") return "revoked";
  if (grant.status === "expired" || grant.expiresAt.getTime() <= now.getTime()) return "expired";
  return "active";
}

/** What a grant's liveness depends on besides its own row. */
export interface GrantOwners {
  user: { disabledAt: Date | null };
  client: { revokedAt: Date | null };
}

/**
 * The grant's state at `now`, its owners included: an administrator's revoke-client ends the
 * client's grants (`revoked`) and a disabled account voids its user's (`account_disabled`), both
 * at once, before any sweep rewrites the rows.
 */
export function grantState(grant: Pick<Grant, "status" | "expiresAt"> & GrantOwners, now: Date): GrantState {
  if (grant.client.revokedAt) return "revoked";
  const state = effectiveStatus(grant, now);
  if (state !== "active") return state;
  return grant.user.disabledAt ? "account_disabled" : "active";
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
  if (!row || grantState(row, now) !== "active") return null;
  const { user: _user, client: _client, ...grant } = row;
  return grant;
}

export interface GrantStatusEntry {
  id: string;
  status: GrantFeedState;
  /** ISO 8601, or null for an unknown id. */
  expires_at: string | null;
  /** Each authorization-details entry's budget (absent for an unknown id). */
  message_limits?: EntryLimit[];
}

export const MAX_STATUS_IDS = 100;

/**
 * The status of each asked-for grant, in the order asked, for resource servers (the MCP
 * server and the messaging API read the database instead: lib/resource-server/grant-status.ts). Unknown ids answer "unknown",
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
    const status = grantState(row, now);
    const limits = entryLimits(parseStoredDetails(row.authorizationDetails), row.entries);
    return { id, status, expires_at: row.expiresAt.toISOString(), message_limits: limits };
  });
}
