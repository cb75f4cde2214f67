// Account-level revocation by an admin (`npm run admin -- revoke-account`): the account is
// disabled, its sessionVersion bumped (every browser session issued before is void at its next use), and
// every live grant revoked with its refresh and access tokens, all in one transaction, so no
// token outlives the account (RFC 9700 section 4.14 on revocation; RFC 7009 section 2.1).
import { appendActorChange, type AuditActor } from "../audit/actor";
import { writeTransaction, type Db } from "../db";
import { revokeGrantsForUser } from "../grants/revoke";
import { announceRevocation } from "../revocation/announce";
import { normalizeEmail, toPublicUser, UserError, type PublicUser } from "./users";

export interface AccountRevocation {
  user: PublicUser;
  grantsRevoked: number;
  /** False when the account was already disabled (grants are still swept). */
  newlyDisabled: boolean;
}

export async function revokeAccount(db: Db, emailInput: string, actor: AuditActor, now: Date = new Date()): Promise<AccountRevocation> {
  const email = normalizeEmail(emailInput);
  return writeTransaction(db, async (tx) => {
    const before = await tx.user.findUnique({ where: { email } });
    if (!before) throw new UserError("not_found", `No user has the email ${email}.`);
    const user = await tx.user.update({
      where: { id: before.id },
      data: { disabledAt: before.disabledAt ?? now, sessionVersion: { increment: 1 } },
    });
    // Through the grants module, so exchanged (derived) grants and their tokens go too.
    const revoked = await revokeGrantsForUser(tx, user.id, "account_revoked", actor, now);
    // Its grants were announced one by one; a cached chain may pass through the account in ways
    // no grant id names (a parent's owner), so every cache forgets everything: this is rare.
    await announceRevocation(tx, { kind: "all" });
    await appendActorChange(
      tx,
      actor,
      {
        type: "account.revoked",
        subjectUserId: user.id,
        details: { grants_revoked: revoked.grantIds.length, session_version: user.sessionVersion },
      },
      now,
    );
    return { user: toPublicUser(user), grantsRevoked: revoked.grantIds.length, newlyDisabled: before.disabledAt === null };
  });
}
