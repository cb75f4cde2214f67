// Is the grant behind a token still live, and the token itself not revoked? Resource servers
// read the shared database (same DATABASE_URL as the issuer): readGrantStatus directly, or
// through a GrantStatusSource (ports.ts, adapter db-ports.ts). The cache keeps each answer for at
// most `maxAgeMs`, so a revocation in the dashboard is seen within one second (checklist 63)
// while a burst of tool calls costs one query. Revocations are also pushed (lib/revocation):
// `invalidate` drops what they name at once, and the age bound is the backstop for a lost push.
import { entryToSpend, type EntryUsage, parseStoredDetails } from "../authorization-details";
import type { ChainGrant, GrantStatus, LiveGrantStatus } from "../contracts/grant-status";
import type { Db } from "../db";
import { grantState } from "../grants/status";
import type { RevocationEvent } from "../revocation/events";
import type { GrantStatusSource } from "./ports";

export type { ChainGrant, GrantDenialReason, GrantStatus, LiveGrantStatus } from "../contracts/grant-status";

type Reader = Pick<Db, "grant" | "issuedToken">;

const MAX_CHAIN = 5;

interface GrantRow {
  id: string;
  status: string;
  expiresAt: Date;
  authorizationDetails: string;
  entries: EntryUsage[];
  parentGrantId: string | null;
  userId: string;
  clientId: string;
  user: { disabledAt: Date | null };
  client: { revokedAt: Date | null };
}

const GRANT_FIELDS = { id: true, status: true, expiresAt: true, authorizationDetails: true, parentGrantId: true, userId: true, clientId: true } as const;

/** Reads the status without caching: the grant, its parents (token exchange), the user and the token. */
export async function readGrantStatus(db: Reader, grantId: string, jti: string | undefined, now: Date): Promise<GrantStatus> {
  if (jti) {
    const token = await db.issuedToken.findUnique({ where: { jti }, select: { revokedAt: true } });
    if (token?.revokedAt) return { live: false, reason: "token_revoked" };
  }
  let id: string | null = grantId;
  let status: LiveGrantStatus | undefined;
  for (let depth = 0; id && depth < MAX_CHAIN; depth++) {
    const grant: GrantRow | null = await db.grant.findUnique({
      where: { id },
      select: { ...GRANT_FIELDS, entries: { select: { position: true, maxMessages: true, used: true } }, user: { select: { disabledAt: true } }, client: { select: { revokedAt: true } } },
    });
    if (!grant) return { live: false, reason: "grant_not_found" };
    // The issuer's rule (lib/grants/status.ts): a revoked client or a disabled account ends the grant.
    const state = grantState(grant, now);
    if (state !== "active") return { live: false, reason: state === "account_disabled" ? state : `grant_${state}` };
    const expiresAt = status?.expiresAt && status.expiresAt < grant.expiresAt ? status.expiresAt : grant.expiresAt;
    const link: ChainGrant = { id: grant.id, details: parseStoredDetails(grant.authorizationDetails), entries: grant.entries };
    const chain = [...(status?.chain ?? []), link];
    status = { live: true, rootGrantId: grant.id, expiresAt, userId: grant.userId, clientId: grant.clientId, chain };
    id = grant.parentGrantId;
  }
  return status ?? { live: false, reason: "grant_not_found" };
}

export class GrantStatusCache {
  private readonly entries = new Map<string, { status: GrantStatus; at: number }>();
  /** Bumped by every invalidation: a read that started before one must not refill the cache. */
  private generation = 0;

  constructor(
    private readonly source: GrantStatusSource,
    private readonly maxAgeMs = 500,
    private readonly clock: () => number = Date.now,
  ) {
    if (maxAgeMs > 1000) throw new Error("grant status may be at most one second stale");
  }

  async get(grantId: string, jti: string | undefined, now = new Date(this.clock())): Promise<GrantStatus> {
    const key = `${grantId}\u0000${jti ?? ""}`;
    const hit = this.entries.get(key);
    if (hit && this.clock() - hit.at < this.maxAgeMs) {
      const ended = hit.status.live && hit.status.expiresAt && hit.status.expiresAt.getTime() <= now.getTime();
      return ended ? { live: false, reason: "grant_expired" } : hit.status;
    }
    const generation = this.generation;
    const status = await this.source.read(grantId, jti, now);
    if (generation !== this.generation) return status;
    if (this.entries.size > 10_000) this.entries.clear();
    this.entries.set(key, { status, at: this.clock() });
    return status;
  }

  /**
   * Counts a message this process had spent for `recipient` on every grant of the chain into
   * the cached answers, the way the messaging API spends it (lib/messaging/accept.ts), instead
   * of reading the grant again: the next call's early quota answer stays as fresh as a re-read
   * would make it, and other processes' spends are seen within `maxAgeMs` as before.
   */
  recordSpend(grantId: string, recipient: string): void {
    for (const [key, hit] of this.entries) {
      const status = hit.status;
      if (!key.startsWith(`${grantId}\u0000`) || !status.live) continue;
      const chain = status.chain.map((grant) => {
        const position = entryToSpend(grant.details, grant.entries, recipient);
        if (position === null) return grant;
        return { ...grant, entries: grant.entries.map((e) => (e.position === position ? { ...e, used: e.used + 1 } : e)) };
      });
      this.entries.set(key, { status: { ...status, chain }, at: hit.at });
    }
  }

  /** Forgets what a pushed revocation names (lib/revocation/events.ts). */
  invalidate(event: RevocationEvent): void {
    this.generation++;
    if (event.kind === "all") this.entries.clear();
    else if (event.kind === "grants") event.ids.forEach((id) => this.forget(id));
    else {
      const jtis = new Set(event.jtis);
      for (const key of this.entries.keys()) if (jtis.has(key.slice(key.indexOf("\u0000") + 1))) this.entries.delete(key);
    }
  }

  /** Forgets what is known about a grant (after this process changed it, e.g. spent a message). */
  forget(grantId: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(`${grantId}\u0000`)) this.entries.delete(key);
  }
}
