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
 * and returns the position spent from, or null when no covering entry has a message left or
 * the grant is no longer live. Each try is one conditional UPDATE (`used < maxMessages`):
 * PostgreSQL re-checks the condition on the row a concurrent writer just committed, and SQLite
 * has one writer at a time, so concurrent sends can never take more than an entry allows. A
 * missing row spends nothing (fails closed).
 *
 * The same UPDATE re-checks the grant's liveness as it stands at the write, by the issuer's rule
 * (lib/grants/status.ts: active, its client not revoked, its account not disabled) and, given
 * `jti`, that this access token is not revoked: a caller may read the grant's status before
 * its write transaction, or from a cache, and a revocation committed before the write still
 * stops the send. Expiry is the caller's to check against the status it read (the row's
 * `expiresAt` never moves; the sweep that marks it `expired` is caught by `active`).
 */
export async function spendFromEntries(tx: Tx, grantId: string, details: MessagingDetail[], recipient: string, jti?: string): Promise<number | null> {
  for (const position of spendOrder(details, recipient)) {
    const taken = jti
      ? await tx.$executeRaw`UPDATE "GrantEntry" SET "used" = "used" + 1
          WHERE "grantId" = ${grantId} AND "position" = ${position} AND ("maxMessages" IS NULL OR "used" < "maxMessages")
            AND EXISTS (SELECT 1 FROM "Grant" g JOIN "User" u ON u."id" = g."userId" JOIN "Client" c ON c."id" = g."clientId"
                        WHERE g."id" = ${grantId} AND g."status" = 'active' AND u."disabledAt" IS NULL AND c."revokedAt" IS NULL)
            AND NOT EXISTS (SELECT 1 FROM "IssuedToken" t WHERE t."jti" = ${jti} AND t."revokedAt" IS NOT NULL)`
      : await tx.$executeRaw`UPDATE "GrantEntry" SET "used" = "used" + 1
          WHERE "grantId" = ${grantId} AND "position" = ${position} AND ("maxMessages" IS NULL OR "used" < "maxMessages")
            AND EXISTS (SELECT 1 FROM "Grant" g JOIN "User" u ON u."id" = g."userId" JOIN "Client" c ON c."id" = g."clientId"
                        WHERE g."id" = ${grantId} AND g."status" = 'active' AND u."disabledAt" IS NULL AND c."revokedAt" IS NULL)`;
    if (taken === 1) return position;
  }
  return null;
}

/** Each entry's limit, used and left, for one grant (null when the grant does not exist). */
export async function grantEntryLimits(db: Db | Tx, grantId: string): Promise<EntryLimit[] | null> {
  const grant = await db.grant.findUnique({ where: { id: grantId }, select: { authorizationDetails: true, entries: { select: ENTRY_USAGE_SELECT } } });
  if (!grant) return null;
  return entryLimits(parseStoredDetails(grant.authorizationDetails), grant.entries);
}
