// The resource-server ports (ports.ts) over the shared database: today's one adapter for each.
// The MCP server gets them from the composition root (lib/mcp-ports.ts) and never sees `Db`.
import { appendAuditEntry } from "../audit/entry-writer";
import type { Db } from "../db";
import { urlOf } from "../db/client";
import { requestExtension } from "../grants/extensions";
import { checkDatabase } from "../health";
import { listenForRevocations } from "../revocation/listen";
import { readGrantStatus } from "./grant-status";
import type { AuditLog, ExtensionRequests, GrantStatusSource, Readiness, RevocationFeed } from "./ports";

export function dbGrantStatus(db: Db): GrantStatusSource {
  return { read: (grantId, jti, now) => readGrantStatus(db, grantId, jti, now) };
}

export function dbExtensionRequests(db: Db): ExtensionRequests {
  return { request: (input) => requestExtension(db, input) };
}

export function dbAuditLog(db: Db): AuditLog {
  return { append: (event, at) => appendAuditEntry(db, event, at) };
}

export function dbReadiness(db: Db): Readiness {
  return { check: () => checkDatabase(db) };
}

/**
 * LISTEN on the database the handle was opened on (PostgreSQL), or the SQLite file's local
 * channel (lib/revocation/listen.ts); `configuredUrl` when the handle does not say.
 */
export function dbRevocationFeed(db: Db, configuredUrl: string): RevocationFeed {
  return { subscribe: (name, onEvent) => listenForRevocations({ databaseUrl: urlOf(db) ?? configuredUrl, name, onEvent }) };
}
