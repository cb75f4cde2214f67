// All signing of the issuer's JWTs goes through here.
//
// The JWS is put together here (RFC 7515 section 7.1, compact serialization) and signed with
// node:crypto, not with jose's SignJWT. jose signs through WebCrypto, which on Node runs each
// ECDSA signature as a job: measured on the benchmark machine, 0.066 ms of CPU per signature and
// a thread-pool round trip, against 0.029 ms for node:crypto's synchronous sign of the same key,
// and the token endpoint signs once per answer (docs/benchmarks.md). The part written here is
// only base64url of two JSON objects joined by dots: the header is fixed (alg, kid, typ), the
// signature is ES256 in the JWS form (R || S, RFC 7518 section 3.4, node:crypto's
// "ieee-p1363"). Everything that reads JWTs still goes through jose, and the tests verify these
// tokens with jose against the published JWKS (keys.test.ts).
import { sign } from "node:crypto";
import type { JWK } from "jose";
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
  const signingInput = `${base64urlJson({ alg: SIGNING_ALG, kid: key.kid, typ })}.${base64urlJson(payload)}`;
  const signature = sign("sha256", Buffer.from(signingInput), { key: privateKey, dsaEncoding: "ieee-p1363" });
  return `${signingInput}.${signature.toString("base64url")}`;
}

function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** The public halves of every published key (RFC 7517), for /oauth/jwks. */
export async function publicJwks(deps: Deps): Promise<{ keys: JWK[] }> {
  await maybeEnsure(deps);
  const now = deps.now();
  const keys = (await cachedKeys(deps.db)).filter((k) => isPublished(k, now));
  return { keys: keys.map((k) => k.publicJwk) };
}
