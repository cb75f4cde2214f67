// Whether a grant still allows anything, in the words every part uses: the issuer's grant
// status feed (GET /api/grants/status), the dashboard, and both resource servers.
import { z } from "zod";
import type { MessagingDetail } from "./authorization-details";

/**
 * A grant's state at a moment. `account_disabled`: the user's account was disabled by an
 * administrator, which voids every grant of it before any sweep rewrites the rows. A revoked
 * client's grants are `revoked`.
 */
export const GRANT_STATES = ["active", "revoked", "expired", "account_disabled"] as const;
export type GrantState = (typeof GRANT_STATES)[number];
/** The feed answers `unknown` for an id it does not know; a resource server treats it like revoked. */
export const grantFeedStateSchema = z.enum([...GRANT_STATES, "unknown"]);
export type GrantFeedState = z.infer<typeof grantFeedStateSchema>;

/** Why a resource server refuses a token whose signature and claims were fine. */
export const GRANT_DENIAL_REASONS = ["grant_not_found", "grant_revoked", "grant_expired", "account_disabled", "token_revoked"] as const;
export type GrantDenialReason = (typeof GRANT_DENIAL_REASONS)[number];

/** What a grant's entry has spent: its position among the granted details, its budget and its use. */
export interface EntryUsage {
  position: number;
  maxMessages: number | null;
  used: number;
}

export interface ChainGrant {
  id: string;
  details: MessagingDetail[];
  entries: EntryUsage[];
}

/** A live grant (with the token-exchange chain up to the root the user approved), or the reason it is not. */
export type GrantStatus =
  | {
      live: true;
      reason?: undefined;
      /** The grant the user approved (the root of a token-exchange chain). */
      rootGrantId: string;
      expiresAt: Date;
      /** The root grant's owner and client (the user who approved, the agent they approved). */
      userId: string;
      clientId: string;
      /**
       * Every grant from the token's up to the root (the last), with its granted details and what
       * each entry has spent: a send needs a message left in a covering entry of each of them.
       */
      chain: ChainGrant[];
    }
  | { live: false; reason: GrantDenialReason };

export type LiveGrantStatus = Extract<GrantStatus, { live: true }>;
