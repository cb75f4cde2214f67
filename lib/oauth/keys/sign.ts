// All signing of JWTs goes through here (style.md: all JWT work through jose in one place).
import { SignJWT, type JWK } from "jose";
import type { Deps } from "../../deps";
import { cachedKeys, forgetKeyCache, privateKeyFor } from "./cache";
import { ensureSigningKeys } from "./rotate";
import { activeKey, isPublished, MAX_SIGNED_LIFETIME_SECONDS, SIGNING_ALG } from "./store";

const ENSURE_EVERY_MS = 60_000;
const lastEnsured = new WeakMap<Deps["db"], number>();

// Rotation by age happens lazily, at most once a minute per process, off no hot path but this.
async function maybeEnsure(deps: Deps): Promise<void> {
  const last = lastEnsured.get(deps.db) ?? 0;
  if (Date.now() - last < ENSURE_EVERY_MS) return;
  lastEnsured.set(deps.db, Date.now());
  await ensureSigningKeys(deps);
}

/**
 * Signs `payload` with the active ES256 key; the header carries `kid` and `typ`.
 * Every JWT must expire within MAX_SIGNED_LIFETIME_SECONDS: that bound is what lets a retired
 * key leave the JWKS once "the last token it signed has expired".
 */
export async function signJwt(deps: Deps, { typ, payload }: { typ: string; payload: Record<string, unknown> }): Promise<string> {
  const now = deps.now();
  const exp = payload.exp;
  const latest = Math.floor(now.getTime() / 1000) + MAX_SIGNED_LIFETIME_SECONDS;
  if (typeof exp !== "number" || !Number.isFinite(exp) || exp > latest) {
    throw new Error(`signJwt: payload.exp must be a number at most ${MAX_SIGNED_LIFETIME_SECONDS} s ahead`);
  }
  await maybeEnsure(deps);
  let key = activeKey(await cachedKeys(deps.db), now);
  if (!key) {
    await ensureSigningKeys(deps);
    forgetKeyCache(deps.db); // another process may have created it
    key = activeKey(await cachedKeys(deps.db), now);
  }
  if (!key) throw new Error("no signing key is active");
  const privateKey = await privateKeyFor(deps.db, key, deps.config.keyEncryptionKey);
  return new SignJWT(payload).setProtectedHeader({ alg: SIGNING_ALG, kid: key.kid, typ }).sign(privateKey);
}

/** The public halves of every published key (RFC 7517), for /oauth/jwks. */
export async function publicJwks(deps: Deps): Promise<{ keys: JWK[] }> {
  await maybeEnsure(deps);
  const now = deps.now();
  const keys = (await cachedKeys(deps.db)).filter((k) => isPublished(k, now));
  return { keys: keys.map((k) => k.publicJwk) };
}
