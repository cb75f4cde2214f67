// Read models for the grants dashboard (/grants) and anything that lists a user's grants.
import type { Db, Tx } from "../db";
import { entryLimits, type EntryLimit, type EntryUsage, type MessagingDetail } from "../authorization-details";
import type { Grant } from "../generated/sqlite/client";
import { grantedDetailsOf } from "./create";
import { effectiveStatus } from "./status";

export interface GrantView {
  id: string;
  clientId: string;
  clientName: string | null;
  resource: string;
  scope: string;
  details: MessagingDetail[];
  /** Each entry's budget, in the order of `details`. */
  limits: EntryLimit[];
  status: "active" | "revoked" | "expired";
  createdVia: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  revokedReason: string | null;
}

export interface ListGrantsOptions {
  now?: Date;
  /** Past grants to include (newest first); active ones are always all listed. */
  pastLimit?: number;
}

type GrantRow = Grant & { client: { name: string | null }; entries: EntryUsage[] };

function grantView(row: GrantRow, now: Date): GrantView {
  const details = grantedDetailsOf(row);
  return {
    id: row.id,
    clientId: row.clientId,
    clientName: row.client.name,
    resource: row.resource,
    scope: row.scope,
    details,
    limits: entryLimits(details, row.entries),
    status: effectiveStatus(row, now),
    createdVia: row.createdVia,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
    revokedReason: row.revokedReason,
  };
}

/**
 * A user's grants: every live one, then past ones (revoked or expired), newest first.
 * Grants derived by token exchange are internal to the MCP server and follow their parent,
 * so only grants the user gave directly are listed.
 */
export async function listGrantsForUser(db: Db | Tx, userId: string, options: ListGrantsOptions = {}): Promise<{ active: GrantView[]; past: GrantView[] }> {
  const now = options.now ?? new Date();
  const rows = await db.grant.findMany({
    where: { userId, parentGrantId: null },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    include: { client: { select: { name: true } }, entries: { select: { position: true, maxMessages: true, used: true } } },
  });
  const views = rows.map((row) => grantView(row, now));
  return {
    active: views.filter((v) => v.status === "active"),
    past: views.filter((v) => v.status !== "active").slice(0, options.pastLimit ?? 50),
  };
}

/** Active grants grouped by agent, for "Revoke all" per agent. */
export function groupByClient(grants: GrantView[]): { clientId: string; clientName: string | null; grants: GrantView[] }[] {
  const groups = new Map<string, { clientId: string; clientName: string | null; grants: GrantView[] }>();
  for (const g of grants) {
    const group = groups.get(g.clientId) ?? { clientId: g.clientId, clientName: g.clientName, grants: [] };
    group.grants.push(g);
    groups.set(g.clientId, group);
  }
  return [...groups.values()];
}
