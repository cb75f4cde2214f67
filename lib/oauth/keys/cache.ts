// A short per-process cache of the key rows and of decrypted private keys, so signing a token
// costs no database read and no decryption. Rows are re-read every CACHE_SECONDS, so a rotation
// made by another process (the admin CLI) is seen well within PUBLISH_LEAD_SECONDS; the removal
// margin (store.ts) covers the window for an immediate rotation.
import { createPrivateKey, type KeyObject } from "node:crypto";
import type { JWK } from "jose";
import type { Db } from "../../db";
import { decryptSecret } from "./encryption";
import { loadKeys, SIGNING_ALG, type StoredKey } from "./store";

const CACHE_SECONDS = 30;

interface Entry {
  loadedAt: number;
  keys: Promise<StoredKey[]>;
  privateKeys: Map<string, Promise<KeyObject>>;
}

const cache = new WeakMap<Db, Entry>();

function entryFor(db: Db): Entry {
  let entry = cache.get(db);
  if (!entry || Date.now() - entry.loadedAt > CACHE_SECONDS * 1000) {
    const keys = loadKeys(db);
    entry = { loadedAt: Date.now(), keys, privateKeys: entry?.privateKeys ?? new Map() };
    keys.catch(() => cache.delete(db)); // a failed read is not cached
    cache.set(db, entry);
  }
  return entry;
}

export function cachedKeys(db: Db): Promise<StoredKey[]> {
  return entryFor(db).keys;
}

/** The key's private half as a node:crypto key (sign.ts signs with node:crypto, and says why). */
export function privateKeyFor(db: Db, key: StoredKey, keyEncryptionKey: string): Promise<KeyObject> {
  const entry = entryFor(db);
  let pending = entry.privateKeys.get(key.kid);
  if (!pending) {
    pending = (async () => {
      const jwk = JSON.parse(decryptSecret(key.privateJwkEnc, keyEncryptionKey, key.kid)) as JWK;
      if (jwk.kty !== "EC" || jwk.crv !== "P-256" || typeof jwk.d !== "string") throw new Error(`signing key ${key.kid}: not a private ${SIGNING_ALG} key`);
      return createPrivateKey({ key: jwk as { kty: string }, format: "jwk" });
    })();
    pending.catch(() => entry.privateKeys.delete(key.kid));
    entry.privateKeys.set(key.kid, pending);
  }
  return pending;
}

/** Drops the cached rows (after a rotation in this process). */
export function forgetKeyCache(db: Db): void {
  const entry = cache.get(db);
  if (entry) entry.loadedAt = 0;
}
