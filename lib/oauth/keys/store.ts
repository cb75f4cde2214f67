// Signing keys in the database and their life cycle (docs/architecture.md, checklist 2):
//   created -> published (in the JWKS from createdAt) -> signing (from activatesAt)
//   -> retired (stops signing at retiredAt, still published) -> removed (after removeAfter,
//   when the last token it signed has expired). A key is published before it signs, so a
//   resource server that cached the JWKS already knows it (RFC 7517, RFC 9068 section 4).
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from "jose";
import { ACCESS_TOKEN_SIGNING_ALG, MAX_ACCESS_TOKEN_LIFETIME_SECONDS } from "../../contracts/access-token";
import type { Db, Tx } from "../../db";
import { encryptSecret } from "./encryption";

export const SIGNING_ALG = ACCESS_TOKEN_SIGNING_ALG;
/** Every JWT we sign expires within this (the access-token TTL is capped at it in config). */
export const MAX_SIGNED_LIFETIME_SECONDS = MAX_ACCESS_TOKEN_LIFETIME_SECONDS;
/** Margin for clock skew between processes and for the per-process key cache. */
export const REMOVAL_MARGIN_SECONDS = 120;
/** How long a rotated-in key is published before it signs. */
export const PUBLISH_LEAD_SECONDS = 600;
/** Rows are deleted this long after they left the JWKS (the private half should not linger). */
const PURGE_AFTER_SECONDS = 24 * 3600;

export interface StoredKey {
  kid: string;
  alg: string;
  publicJwk: JWK;
  privateJwkEnc: string;
  createdAt: Date;
  activatesAt: Date;
  retiredAt: Date | null;
  removeAfter: Date | null;
}

type Row = Omit<StoredKey, "publicJwk"> & { publicJwk: string };
const toStored = (row: Row): StoredKey => ({ ...row, publicJwk: JSON.parse(row.publicJwk) as JWK });

export async function loadKeys(db: Db | Tx): Promise<StoredKey[]> {
  const rows = await db.signingKey.findMany({ orderBy: { activatesAt: "desc" } });
  return rows.map(toStored);
}

export const isPublished = (k: StoredKey, now: Date) => k.createdAt <= now && (!k.removeAfter || k.removeAfter > now);
export const canSign = (k: StoredKey, now: Date) => k.activatesAt <= now && (!k.retiredAt || k.retiredAt > now) && isPublished(k, now);

/** The key that signs at `now`: the most recently activated one that is not retired. */
export function activeKey(keys: StoredKey[], now: Date): StoredKey | undefined {
  return keys.filter((k) => canSign(k, now)).sort((a, b) => b.activatesAt.getTime() - a.activatesAt.getTime())[0];
}

/** Keys that will still sign at some point: not retired, or retired in the future. */
export const liveKeys = (keys: StoredKey[], now: Date) => keys.filter((k) => !k.retiredAt || k.retiredAt > now);

/** When a key retired at `retiredAt` may leave the JWKS. */
export function removalTime(retiredAt: Date): Date {
  return new Date(retiredAt.getTime() + (MAX_SIGNED_LIFETIME_SECONDS + REMOVAL_MARGIN_SECONDS) * 1000);
}

/** Generates an ES256 key pair and stores it with the private half encrypted. kid = JWK thumbprint (RFC 7638). */
export async function createKey(tx: Tx, keyEncryptionKey: string, createdAt: Date, activatesAt: Date): Promise<StoredKey> {
  const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const pub = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(pub, "sha256");
  const publicJwk: JWK = { ...pub, kid, alg: SIGNING_ALG, use: "sig" };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALG };
  const privateJwkEnc = encryptSecret(JSON.stringify(privateJwk), keyEncryptionKey, kid);
  const row = await tx.signingKey.create({
    data: { kid, alg: SIGNING_ALG, publicJwk: JSON.stringify(publicJwk), privateJwkEnc, createdAt, activatesAt },
  });
  return toStored(row);
}

/** Retires a key at `at` (it keeps signing until then) and schedules its removal. */
export async function retireKey(tx: Tx, kid: string, at: Date): Promise<void> {
  await tx.signingKey.update({ where: { kid }, data: { retiredAt: at, removeAfter: removalTime(at) } });
}

/** Deletes rows that left the JWKS a day ago or more. */
export async function purgeRemovedKeys(tx: Tx, now: Date): Promise<number> {
  const before = new Date(now.getTime() - PURGE_AFTER_SECONDS * 1000);
  const { count } = await tx.signingKey.deleteMany({ where: { removeAfter: { lt: before } } });
  return count;
}
