// A long-lived response (the pending requests' event stream) outlives the request that checked
// the session: it re-checks the same rule as every session read (app/_auth/options.ts,
// refreshSessionToken) while it runs, so signing out everywhere or revoking the account ends
// the stream at its next tick instead of minutes later.
import type { Db } from "../db";

/** A check that stays true while the account is enabled and its session version unchanged. */
export async function watchSession(db: Pick<Db, "user">, userId: string): Promise<() => Promise<boolean>> {
  const read = () => db.user.findUnique({ where: { id: userId }, select: { sessionVersion: true, disabledAt: true } });
  const opened = await read();
  return async () => {
    const now = await read();
    return Boolean(opened && now && !now.disabledAt && now.sessionVersion === opened.sessionVersion);
  };
}
