// The reuse leeway: may a rotated refresh token, presented again, get its successor back?
// (Policy and reasons: the top of refresh.ts and the README, "Refresh tokens".)
//
// Only when every condition holds; each one closes a way a thief could use the leeway:
// - inside REFRESH_REUSE_LEEWAY_SECONDS of the rotation: a lost response is retried within
//   seconds, a stolen token is typically replayed later; outside it, today's reuse detection;
// - the client authenticates the same way as at the rotation (the same client and, for a
//   bound token, the same DPoP key are already checked by refresh-presenter.ts);
// - the successor is unused and live: once the client has moved on, an old token coming back
//   cannot be its own retry, so it is the RFC 9700 section 4.14.2 reuse it always was.
// The answer is the same successor, never a new one, so the leeway cannot fork the grant into
// two live refresh chains.
import type { Tx } from "../../db";
import type { Deps } from "../../deps";
import type { ClientRecord } from "../clients/store";
import { openSuccessor, type RefreshTokenRow } from "../tokens/refresh-token";

export type LeewayDecision =
  | { replay: true; successor: { id: string; token: string }; secondsSinceRotation: number }
  | { replay: false; reason: string };

const no = (reason: string): LeewayDecision => ({ replay: false, reason });

/** Decides for `rotated` (read inside the caller's transaction, after the grant's row was locked). */
export async function leewayReplay(tx: Tx, deps: Deps, rotated: RefreshTokenRow & { rotatedAt: Date }, client: ClientRecord, now: Date): Promise<LeewayDecision> {
  const leeway = deps.config.refreshReuseLeewaySeconds;
  const elapsedMs = now.getTime() - rotated.rotatedAt.getTime();
  const secondsSinceRotation = Math.max(0, Math.round(elapsedMs / 100) / 10);
  if (leeway === 0) return no("a rotated refresh token was presented again (the reuse leeway is off)");
  if (elapsedMs > leeway * 1000) return no(`a rotated refresh token was presented again ${secondsSinceRotation} s after its rotation, outside the ${leeway} s leeway`);
  if (rotated.rotatedAuthMethod !== client.tokenEndpointAuthMethod) return no("a rotated refresh token was presented again by its client authenticating another way");
  const successor = rotated.replacedById ? await tx.refreshToken.findUnique({ where: { id: rotated.replacedById } }) : null;
  if (!successor) return no("a rotated refresh token without a successor was presented again");
  if (successor.rotatedAt) return no("a rotated refresh token was presented again after its successor was used");
  if (successor.revokedAt || successor.expiresAt <= now) return no("a rotated refresh token was presented again after its successor ended");
  const token = openSuccessor(deps, rotated, successor.tokenHash);
  if (!token) return no("a rotated refresh token was presented again and its successor could not be recovered");
  return { replay: true, successor: { id: successor.id, token }, secondsSinceRotation };
}
