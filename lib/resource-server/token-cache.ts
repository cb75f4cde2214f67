// The fast path for a token already verified: its signature and claims were checked once,
// so later requests with the same token skip the signature verification (the dominant cost,
// see toolchain notes) and re-check only the clock. Keyed by the token's SHA-256, so the
// cache never holds a token itself. DPoP proofs, revocation and grant status are checked on
// every request regardless.
import type { AccessTokenClaims } from "./access-token-claims";

interface Entry {
  claims: AccessTokenClaims;
  /** The audience the token was verified against (one cache may serve one resource only). */
  audienceChecked: string;
}

export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  get(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.claims.exp <= this.nowSeconds()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  set(key: string, entry: Entry): void {
    if (this.entries.size >= this.maxEntries) this.evict();
    this.entries.set(key, entry);
  }

  /** Drops expired entries, then the oldest ones (Map keeps insertion order). */
  private evict(): void {
    const now = this.nowSeconds();
    for (const [k, e] of this.entries) if (e.claims.exp <= now) this.entries.delete(k);
    const excess = this.entries.size - Math.floor(this.maxEntries * 0.9);
    if (excess <= 0) return;
    let n = 0;
    for (const k of this.entries.keys()) {
      if (n++ >= excess) break;
      this.entries.delete(k);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
