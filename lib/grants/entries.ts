// The per-entry message budgets of a grant (GrantEntry rows): created with the grant, spent one
// message at a time, read for describe_grant, introspection and the grants dashboard. Which
// entry a send spends from is decided in lib/authorization-details/quota.ts.
import type { Db, Tx } from "../db";
import { type EntryLimit, entryLimits, type MessagingDetail, parseStoredDetails, spendOrder } from "../authorization-details";

/** The rows to create with a grant: one per entry of its granted details. */
export function entryRowsFor(details: MessagingDetail[]): { position: number; maxMessages: number | null }[] {
  return details.map((detail, position) => ({ position, maxMessages: detail.max_messages ?? null }));
}

export const ENTRY_USAGE_SELECT = { position: true, maxMessages: true, used: true } as const;

/**
 * Takes one message for `recipient` from the grant's entries, in the order spendOrder gives,
 * and returns the position spent from, or null when every covering entry is spent. Each try is
 * one conditional UPDATE (`used < maxMessages`): PostgreSQL re-checks the condition on the row
 * a concurrent writer just committed, and SQLite has one writer at a time, so concurrent
 * sends can never take more than an entry allows. A missing row spends nothing (fails closed).
 */
export async function spendFromEntries(tx: Tx, grantId: string, details: MessagingDetail[], recipient: string): Promise<number | null> {
  for (const position of spendOrder(details, recipient)) {
    const taken = await tx.grantEntry.updateMany({
      where: { grantId, position, OR: [{ maxMessages: null }, { used: { lt: tx.grantEntry.fields.maxMessages } }] },
      data: { used: { increment: 1 } },
    });
    if (taken.count === 1) return position;
  }
  return null;
}

/** Each entry's limit, used and left, for one grant (null when the grant does not exist). */
export async function grantEntryLimits(db: Db | Tx, grantId: string): Promise<EntryLimit[] | null> {
  const grant = await db.grant.findUnique({ where: { id: grantId }, select: { authorizationDetails: true, entries: { select: ENTRY_USAGE_SELECT } } });
  if (!grant) return null;
  return entryLimits(parseStoredDetails(grant.authorizationDetails), grant.entries);
}
