// The issuer's signing keys as a resource server sees them: found through the issuer's
// metadata (RFC 8414 section 3, `jwks_uri`), fetched over HTTP and cached.
//
// - An unknown `kid` triggers one refetch, at most once per cooldown, so a flood of tokens
//   with made-up kids cannot turn into a flood of requests to the issuer.
// - Once the key set is older than maxAgeMs it is stale: a request is answered from it at once
//   and starts a refresh in the background (stale-while-revalidate, as RFC 5861 section 3
//   describes for HTTP caches). So a key the issuer removed (its last token expired, or it was
//   withdrawn) stops being accepted as soon as a refresh succeeds, and no request waits for
//   the issuer: during an outage a request never spends the fetch timeout on keys it has.
//   A failed refresh is retried no sooner than one cooldown later.
// - Keys loaded in-process (`loadJwks`, the issuer's own database) cannot hang on an outage,
//   so there a stale set is refreshed before the request is answered.
// - When the issuer is down, the last good key set keeps serving: verification never depends
//   on the issuer being reachable for keys it has already seen.
import { importJWK, type CryptoKey, type JWK, type JWSHeaderParameters } from "jose";
import { ACCESS_TOKEN_SIGNING_ALG } from "../contracts/access-token";
import { errorMessage } from "../error-message";

export interface JwksCacheOptions {
  issuer: string;
  fetch?: typeof fetch;
  now?: () => number;
  /** Minimum time between two fetches caused by an unknown kid. */
  cooldownMs?: number;
  /** After this age the key set is stale: used once more while it is refreshed (failures keep it). */
  maxAgeMs?: number;
  timeoutMs?: number;
  /** Loads the key set directly instead of over HTTP (the issuer's own process). */
  loadJwks?: () => Promise<{ keys: unknown[] }>;
}

export class JwksUnavailableError extends Error {
  override name = "JwksUnavailableError";
}

interface KeySet {
  keys: Map<string, JWK>;
  fetchedAt: number;
}

export class JwksCache {
  private set: KeySet | undefined;
  private jwksUri: string | undefined;
  /** When an unknown kid last caused a fetch (the cooldown applies to these fetches only). */
  private lastUnknownKidFetchAt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | undefined;
  /** No background refresh before this time (set after one failed: the issuer is down). */
  private revalidateAfter = Number.NEGATIVE_INFINITY;
  private imported = new Map<string, CryptoKey>();
  private readonly fetchFn: typeof fetch;
  private readonly now: () => number;
  private readonly cooldownMs: number;
  private readonly maxAgeMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: JwksCacheOptions) {
    this.fetchFn = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.maxAgeMs = options.maxAgeMs ?? 5 * 60_000;
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  /** A jose key resolver: ES256 keys only, matched by kid. */
  readonly getKey = async (header: JWSHeaderParameters): Promise<CryptoKey> => {
    const kid = header.kid;
    if (typeof kid !== "string" || !kid) throw new UnknownKeyError("the token has no kid");
    if (!this.set) await this.refresh();
    else if (this.now() - this.set.fetchedAt > this.maxAgeMs) {
      if (this.options.loadJwks) await this.refresh().catch(() => undefined);
      else this.revalidate();
    }
    if (!this.set?.keys.has(kid) && this.now() - this.lastUnknownKidFetchAt >= this.cooldownMs) {
      this.lastUnknownKidFetchAt = this.now();
      await this.refresh().catch(() => undefined);
    }
    const jwk = this.set?.keys.get(kid);
    if (!jwk) throw new UnknownKeyError("no published key has this kid");
    return this.importKey(kid, jwk);
  };

  private async importKey(kid: string, jwk: JWK): Promise<CryptoKey> {
    const cacheKey = `${kid}:${jwk.x}:${jwk.y}`;
    let key = this.imported.get(cacheKey);
    if (!key) {
      key = (await importJWK(jwk, ACCESS_TOKEN_SIGNING_ALG)) as CryptoKey;
      this.imported.set(cacheKey, key);
    }
    return key;
  }

  /** Starts a refresh without waiting for it; one at a time, and not again soon after a failure. */
  private revalidate(): void {
    if (this.inflight || this.now() < this.revalidateAfter) return;
    this.refresh().catch(() => {
      this.revalidateAfter = this.now() + this.cooldownMs;
    });
  }

  /** Fetches metadata (once) and the key set; concurrent callers share one fetch. */
  refresh(): Promise<void> {
    this.inflight ??= this.load().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async load(): Promise<void> {
    try {
      let body: Record<string, unknown>;
      if (this.options.loadJwks) body = (await this.options.loadJwks()) as unknown as Record<string, unknown>;
      else {
        this.jwksUri ??= await this.discoverJwksUri();
        body = await this.getJson(this.jwksUri);
      }
      const keys = new Map<string, JWK>();
      for (const jwk of Array.isArray(body.keys) ? (body.keys as JWK[]) : []) {
        // Only public P-256 signing keys: never a private or symmetric key, never another alg.
        if (jwk?.kty !== "EC" || jwk.crv !== "P-256" || typeof jwk.kid !== "string" || "d" in jwk) continue;
        if (jwk.use && jwk.use !== "sig") continue;
        if (jwk.alg && jwk.alg !== ACCESS_TOKEN_SIGNING_ALG) continue;
        keys.set(jwk.kid, jwk);
      }
      this.set = { keys, fetchedAt: this.now() };
    } catch (err) {
      throw new JwksUnavailableError(`could not load the issuer's keys: ${errorMessage(err)}`);
    }
  }

  private async discoverJwksUri(): Promise<string> {
    const issuer = this.options.issuer;
    const metadata = await this.getJson(`${issuer}/.well-known/oauth-authorization-server`);
    // RFC 8414 section 3.3: the metadata's issuer must be the one we asked for.
    if (metadata.issuer !== issuer) throw new Error("the metadata names another issuer");
    if (typeof metadata.jwks_uri !== "string") throw new Error("the metadata has no jwks_uri");
    return metadata.jwks_uri;
  }

  private async getJson(url: string): Promise<Record<string, unknown>> {
    const res = await this.fetchFn(url, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(this.timeoutMs), redirect: "error" });
    if (!res.ok) throw new Error(`${url} answered ${res.status}`);
    const body = (await res.json()) as unknown;
    if (!body || typeof body !== "object") throw new Error(`${url} did not answer a JSON object`);
    return body as Record<string, unknown>;
  }
}

export class UnknownKeyError extends Error {
  override name = "UnknownKeyError";
}
