// A short in-memory cache of stored clients for client authentication (authenticate.ts), so a
// busy confidential client's token requests cost no database read each (docs/benchmarks.md,
// "Token endpoint: group commit"). Staleness is bounded three ways:
// - an entry is used for at most CLIENT_CACHE_TTL_MS (1 s) after it was read;
// - every change this process makes to a client (revocation, CIBA switch, secret rotation)
//   empties the cache once it commits, and so does a client or account revocation or a CIBA
//   switch announced by another process (lib/revocation; the web app listens,
//   scripts/start/web-server.ts): a revoked client is refused on the next request in this
//   process, and in the others as soon as the announcement arrives, at worst after the TTL;
// - a cached entry never refuses anyone (authenticate.ts): a refusal is decided on the stored
//   row, so a secret rotated elsewhere works at once; only the old secret may keep working in
//   another process for up to the TTL.
// Only live clients are cached: unknown and revoked ids are read every time, as before.
// Secrets are SHA-256 handles (secrets.ts), compared in constant time on every request: what
// is cached is the stored hash, never a verification result.
import type { Db, Tx } from "../../db";
import { afterCommit } from "../../db/after-commit";
import { processWide } from "../../process-wide";
import { listenForRevocations, type RevocationListener } from "../../revocation/listen";
import { loadClient, type ClientRecord } from "./store";

export const CLIENT_CACHE_TTL_MS = 1000;
const MAX_ENTRIES = 1000;

interface Entry {
  client: ClientRecord;
  loadedAt: number;
  generation: number;
}

interface State {
  byDb: WeakMap<Db, Map<string, Entry>>;
  /** Bumped by every invalidation: an entry (or a read in flight) from an older generation is not used. */
  generation: number;
}

// Process-wide: the web app loads this module twice (docs/architecture.md, "The processes"),
// and an invalidation through one copy must reach the cache the other copy reads.
const state = (): State => processWide("oauth-client-cache", () => ({ byDb: new WeakMap(), generation: 0 }));

function entriesOf(db: Db): Map<string, Entry> {
  const s = state();
  let map = s.byDb.get(db);
  if (!map) {
    map = new Map();
    s.byDb.set(db, map);
  }
  return map;
}

/** Reads the stored client (not revoked) and caches it; the cache is not consulted. */
export async function loadClientFresh(db: Db, clientId: string): Promise<ClientRecord | null> {
  const s = state();
  const generation = s.generation;
  const client = await loadClient(db, clientId);
  const live = client && !client.revokedAt ? client : null;
  const map = entriesOf(db);
  // An invalidation while this read was in flight may have been for this very row.
  if (live && s.generation === generation) {
    if (map.size >= MAX_ENTRIES && !map.has(clientId)) map.delete(map.keys().next().value!);
    map.set(clientId, { client: live, loadedAt: Date.now(), generation });
  } else {
    map.delete(clientId);
  }
  return live;
}

/** The stored live client, from the cache when read less than CLIENT_CACHE_TTL_MS ago. */
export async function cachedClient(db: Db, clientId: string): Promise<{ client: ClientRecord | null; fromCache: boolean }> {
  const entry = entriesOf(db).get(clientId);
  if (entry && entry.generation === state().generation && Date.now() - entry.loadedAt < CLIENT_CACHE_TTL_MS) return { client: entry.client, fromCache: true };
  return { client: await loadClientFresh(db, clientId), fromCache: false };
}

/** Forgets every cached client (of every database client): after any change to a client. */
export function forgetCachedClients(): void {
  state().generation += 1;
}

/**
 * Forgets every cached client once `tx` commits (a read racing the commit cannot put the old
 * row back: see the generation). Outside a writeTransaction, at once.
 */
export function forgetCachedClientsOnCommit(tx: Tx): void {
  if (!afterCommit(tx, async () => forgetCachedClients())) forgetCachedClients();
}

/**
 * Empties the cache whenever another process announces that a client or an account was revoked
 * (lib/revocation: "forget everything"). The web app runs one (scripts/start/web-server.ts).
 */
export function forgetClientsOnRevocation(databaseUrl: string, name: string, log?: (line: string) => void): RevocationListener {
  return listenForRevocations({
    databaseUrl,
    name,
    log,
    onEvent: (event) => {
      if (event.kind === "all") forgetCachedClients();
    },
  });
}
