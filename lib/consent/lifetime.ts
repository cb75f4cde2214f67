// How long a grant lasts: an authorization or device request's requested_expiry proposes it, the
// user may shorten it on the consent page, the server maximum caps it. A CIBA request proposes
// nothing: its requested_expiry is the auth_req_id's lifetime (CIBA Core section 7.1).
import type { AppConfig } from "../config";

/** When the request proposes nothing. */
export const DEFAULT_GRANT_LIFETIME_SECONDS = 3600;
export const MIN_GRANT_LIFETIME_SECONDS = 60;
const PRESETS = [5 * 60, 15 * 60, 3600, 8 * 3600, 24 * 3600, 7 * 24 * 3600];

export function proposedLifetime(requestedExpiry: number | null, config: Pick<AppConfig, "maxGrantLifetimeSeconds">): number {
  const asked = requestedExpiry ?? DEFAULT_GRANT_LIFETIME_SECONDS;
  return Math.max(MIN_GRANT_LIFETIME_SECONDS, Math.min(asked, config.maxGrantLifetimeSeconds));
}

/** The user's choice, which may only shorten the proposal. Null when invalid. */
export function chosenLifetime(chosen: number | undefined, proposed: number): number | null {
  if (chosen === undefined) return proposed;
  if (!Number.isInteger(chosen) || chosen < MIN_GRANT_LIFETIME_SECONDS || chosen > proposed) return null;
  return chosen;
}

export function lifetimeOptions(proposed: number): number[] {
  return [proposed, ...PRESETS.filter((s) => s < proposed)].sort((a, b) => b - a);
}
