// How an audit entry names a message body without holding it (docs/audit.md, "Privacy").
//
// A plain SHA-256 of the body is no protection for short bodies: a one-time code, "yes" or a
// phone number is found from an audit export by hashing every candidate. The entry therefore
// holds HMAC-SHA-256 under AUDIT_HMAC_KEY, a secret every writing and verifying process shares
// (lib/config.ts), so only someone with the key can test a guess.
//
// The details field names the scheme, so entries written before the key existed still check:
// `body_hmac_sha256` (current) or `body_sha256` (plain SHA-256, older entries). The chain hash
// covers details as stored, so old entries are never rewritten.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export const BODY_HMAC_FIELD = "body_hmac_sha256";
export const LEGACY_BODY_SHA256_FIELD = "body_sha256";

export function bodyHmac(key: string, body: string): string {
  return createHmac("sha256", key).update(body, "utf8").digest("hex");
}

/** What an entry records about a message body: its keyed hash and its length. */
export function bodyFacts(key: string, body: string): { body_hmac_sha256: string; body_length: number } {
  return { body_hmac_sha256: bodyHmac(key, body), body_length: body.length }; // BODY_HMAC_FIELD
}

const equalHex = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * Whether `body` is the body an entry's details describe: true or false, or null when the
 * details carry no body hash at all.
 */
export function bodyMatches(key: string, body: string, details: Record<string, unknown>): boolean | null {
  const keyed = details[BODY_HMAC_FIELD];
  if (typeof keyed === "string") return equalHex(keyed, bodyHmac(key, body));
  const plain = details[LEGACY_BODY_SHA256_FIELD];
  if (typeof plain === "string") return equalHex(plain, createHash("sha256").update(body, "utf8").digest("hex"));
  return null;
}
