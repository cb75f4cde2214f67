// What an audit entry may hold (docs/audit.md, "An entry"): a message's hash
// and length, never its body; never a token, code, secret or password. Entries are kept for
// years and exported to spreadsheets, so a leak here outlives every token's expiry.
// This check runs on every append: a developer who passes a token in `details` gets an
// error in their tests instead of a secret in the permanent log.

/** Keys that name a secret or a message body; their values never belong in an entry. */
const FORBIDDEN_KEYS = new Set([
  "body",
  "message_body",
  "password",
  "secret",
  "client_secret",
  "access_token",
  "refresh_token",
  "id_token",
  "subject_token",
  "actor_token",
  "token",
  "code_verifier",
  "authorization",
  "dpop",
  "assertion",
  "client_assertion",
]);

// A compact JWS/JWT (header.payload.signature, header starting with base64url "{"):
// access tokens, refresh tokens issued as JWTs, DPoP proofs, ID tokens.
const COMPACT_JWS = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/;

export class AuditPrivacyError extends Error {
  override name = "AuditPrivacyError";
}

function checkValue(path: string, value: unknown): void {
  if (typeof value === "string") {
    if (COMPACT_JWS.test(value)) throw new AuditPrivacyError(`audit ${path} looks like a token (a compact JWS); store its hash instead`);
    return;
  }
  if (value === null || typeof value !== "object") return;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    // Only text can be a secret: `{ dpop: true }` or `{ token: { sha256, length } }` are fine.
    if (FORBIDDEN_KEYS.has(key.toLowerCase()) && typeof v === "string" && v.length > 0) {
      throw new AuditPrivacyError(`audit ${path}.${key} is not allowed: never store a token, secret or message body (store its hash and length)`);
    }
    checkValue(`${path}.${key}`, v);
  }
}

/**
 * The details as they will be stored and hashed: a plain JSON object (a round trip through
 * JSON, so a URL or Date inside hashes exactly as verification will later re-read it),
 * checked for secrets.
 */
export function normaliseDetails(details: Record<string, unknown> | undefined): Record<string, unknown> {
  const plain = details === undefined ? {} : (JSON.parse(JSON.stringify(details)) as unknown);
  if (plain === null || typeof plain !== "object" || Array.isArray(plain)) throw new TypeError("audit details must be a JSON object");
  checkValue("details", plain);
  return plain as Record<string, unknown>;
}

/** The reason is free text shown to auditors: it must not carry a token either. */
export function checkReason(reason: string | null | undefined): void {
  if (reason && COMPACT_JWS.test(reason)) throw new AuditPrivacyError("audit reason looks like it contains a token");
}
