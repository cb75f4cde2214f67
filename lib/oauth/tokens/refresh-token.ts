// Refresh tokens (RFC 6749 section 6, OAuth 2.1 section 4.3): opaque random strings, stored
// only as SHA-256 hashes (a database leak yields nothing usable; 256 random bits need no slow
// hash), rotated on every use, never valid past their grant.
import { createHash, randomBytes } from "node:crypto";
import type { Db, Tx } from "../../db";
import type { Deps } from "../../deps";

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
  // Never past the grant (DESIGN.md flow 5).
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
