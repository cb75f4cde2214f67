// Refresh tokens (RFC 6749 section 6, OAuth 2.1 section 4.3): opaque random strings, stored
// only as SHA-256 hashes (a database leak yields nothing usable; 256 random bits need no slow
// hash), rotated on every use, never valid past their grant.
import { createHash, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";
import type { Db, Tx } from "../../db";
import type { Deps } from "../../deps";
import { decryptSecret, encryptSecret } from "../keys/encryption";

const PREFIX = "rt_";

export function hashRefreshToken(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}

export interface IssueRefreshTokenInput {
  grant: { id: string; expiresAt: Date };
  clientId: string;
  scope: string;
  resource: string;
  /** Set for public clients that used DPoP: the token then only works with that key (RFC 9449 section 5). */
  dpopJkt?: string | null;
}

export interface IssuedRefreshToken {
  token: string;
  id: string;
  expiresAt: Date;
}

/** Creates a refresh token row inside the caller's transaction and returns the token once. */
export async function issueRefreshToken(tx: Tx, deps: Deps, input: IssueRefreshTokenInput): Promise<IssuedRefreshToken> {
  const token = PREFIX + randomBytes(32).toString("base64url");
  const ttlEnd = deps.now().getTime() + deps.config.refreshTokenTtlSeconds * 1000;
  // Never past the grant: a refresh token cannot outlive what the user approved (checklist 44).
  const expiresAt = new Date(Math.min(ttlEnd, input.grant.expiresAt.getTime()));
  const row = await tx.refreshToken.create({
    data: {
      tokenHash: hashRefreshToken(token),
      grantId: input.grant.id,
      clientId: input.clientId,
      dpopJkt: input.dpopJkt ?? null,
      scope: input.scope,
      resource: input.resource,
      expiresAt,
    },
  });
  return { token, id: row.id, expiresAt };
}

/** The stored row for a presented token, or null. Malformed input never reaches the database. */
export async function findRefreshToken(db: Db | Tx, token: string) {
  if (!token.startsWith(PREFIX) || token.length > 200) return null;
  return db.refreshToken.findUnique({ where: { tokenHash: hashRefreshToken(token) } });
}

export type RefreshTokenRow = NonNullable<Awaited<ReturnType<typeof findRefreshToken>>>;

// The reuse leeway (lib/oauth/token/refresh.ts) must hand a retrying client the very successor
// it was given before. Refresh tokens are stored hashed, so the successor is kept sealed on its
// predecessor's row: AES-256-GCM under a key derived from KEY_ENCRYPTION_KEY, with the
// predecessor's id as additional data (a sealed value moved to another row does not open).
// Chosen over deriving the successor from the predecessor (an HMAC under a server secret)
// because a derived successor is reproducible forever: whoever learnt that one secret could
// turn any old token from a log into its live successor, silently, where today such a token
// only trips reuse detection. A sealed successor needs the database row and the key, and only
// exists until the successor is used or the leeway ends (then it is erased).

/** HKDF (RFC 5869) so the sealing key is never the key that seals the signing keys. */
function successorKey(deps: Deps): string {
  const kek = Buffer.from(deps.config.keyEncryptionKey, "base64url");
  return Buffer.from(hkdfSync("sha256", kek, new Uint8Array(0), "agent-grants refresh successor v1", 32)).toString("base64url");
}

export function sealSuccessor(deps: Deps, predecessorId: string, successor: string): string {
  return encryptSecret(successor, successorKey(deps), predecessorId);
}

/**
 * The successor sealed on `predecessor`, if it opens and is the token stored as `successorHash`;
 * null otherwise (tampered row, another key): the caller then treats the request as a reuse.
 */
export function openSuccessor(deps: Deps, predecessor: { id: string; successorSealed: string | null }, successorHash: string): string | null {
  if (!predecessor.successorSealed) return null;
  let token: string;
  try {
    token = decryptSecret(predecessor.successorSealed, successorKey(deps), predecessor.id);
  } catch {
    return null;
  }
  const a = Buffer.from(hashRefreshToken(token));
  const b = Buffer.from(successorHash);
  return a.length === b.length && timingSafeEqual(a, b) ? token : null;
}

/** Erases sealed successors whose leeway is over (a background task; the leeway check does not rely on it). */
export async function eraseExpiredSuccessors(deps: Deps): Promise<number> {
  const cutoff = new Date(deps.now().getTime() - deps.config.refreshReuseLeewaySeconds * 1000);
  const { count } = await deps.db.refreshToken.updateMany({ where: { successorSealed: { not: null }, rotatedAt: { lte: cutoff } }, data: { successorSealed: null } });
  return count;
}
