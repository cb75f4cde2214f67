// A client's public keys published at its jwks_uri (RFC 7591 section 2), for private_key_jwt.
// Fetched through the SSRF guard, cached per process; refetched (at most once a minute) when
// an assertion names a key we have not seen, so a client can rotate its keys.
import type { JSONWebKeySet } from "jose";
import type { Deps } from "../../deps";
import { guardedFetch } from "./ssrf-guard";

const CACHE_MS = 5 * 60_000;
const REFETCH_COOLDOWN_MS = 60_000;
const MAX_BYTES = 64 * 1024;
const TIMEOUT_MS = 5000;

interface Entry {
  fetchedAt: number;
  jwks: JSONWebKeySet;
}
const cache = new Map<string, Entry>();

async function fetchJwks(deps: Deps, uri: string): Promise<JSONWebKeySet> {
  const res = await guardedFetch(uri, { allowPrivate: deps.config.allowPrivateMetadataFetch, maxBytes: MAX_BYTES, timeoutMs: TIMEOUT_MS });
  if (res.status !== 200) throw new Error(`jwks_uri answered HTTP ${res.status}`);
  const body = JSON.parse(res.body) as { keys?: unknown };
  if (!Array.isArray(body.keys)) throw new Error("jwks_uri did not serve a JWK set");
  // Public keys only: a set with private members is refused whole.
  if (body.keys.some((k) => !k || typeof k !== "object" || "d" in k || "k" in k)) throw new Error("jwks_uri serves private or symmetric keys");
  return { keys: body.keys as JSONWebKeySet["keys"] };
}

/** The key set at `uri`; `refresh` asks for a refetch (honoured once per cooldown). */
export async function remoteJwks(deps: Deps, uri: string, { refresh = false } = {}): Promise<JSONWebKeySet> {
  const entry = cache.get(uri);
  const now = deps.now().getTime();
  const age = entry ? now - entry.fetchedAt : Infinity;
  if (entry && age < CACHE_MS && (!refresh || age < REFETCH_COOLDOWN_MS)) return entry.jwks;
  const jwks = await fetchJwks(deps, uri);
  cache.set(uri, { fetchedAt: now, jwks });
  if (cache.size > 1000) cache.delete(cache.keys().next().value!);
  return jwks;
}
