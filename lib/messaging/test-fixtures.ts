// Rows the messaging and resource-server tests need: a user, an agent client and a grant,
// written directly (the grant lifecycle itself is tested in lib/grants).
import { randomUUID } from "node:crypto";
import type { Db } from "../db";
import { loadConfig, type AppConfig } from "../config";
import type { Deps } from "../deps";
import type { MessagingDetail } from "../authorization-details";
import { entryRowsFor } from "../grants/entries";

export function testConfig(env: Record<string, string> = {}): AppConfig {
  return loadConfig({ APP_ENV: "test", DATA_DIR: "tmp/test-data", ...env });
}

export function testDeps(db: Db, env: Record<string, string> = {}, now: () => Date = () => new Date()): Deps {
  return { db, config: testConfig(env), now };
}

export interface GrantFixture {
  userId: string;
  clientId: string;
  grantId: string;
  details: MessagingDetail[];
}

export async function makeGrant(
  db: Db,
  options: {
    recipients?: string[];
    maxMessages?: number | null;
    /** Several entries, each its own budget; replaces recipients and maxMessages. */
    details?: MessagingDetail[];
    expiresInSeconds?: number;
    scope?: string;
    parentGrantId?: string;
    userId?: string;
    clientId?: string;
  } = {},
): Promise<GrantFixture> {
  const suffix = randomUUID().slice(0, 8);
  const userId = options.userId ?? (await db.user.create({ data: { email: `u-${suffix}@example.com`, passwordHash: "x" } })).id;
  const clientId = options.clientId ?? (await db.client.create({ data: { id: `agent-${suffix}`, kind: "dynamic", name: "Test agent" } })).id;
  const detail: MessagingDetail = { type: "messaging", actions: ["send"], recipients: options.recipients ?? ["+15550100123"] };
  const max = options.maxMessages === undefined ? 2 : options.maxMessages;
  if (max !== null) detail.max_messages = max;
  const details = options.details ?? [detail];
  const grant = await db.grant.create({
    data: {
      userId,
      clientId,
      resource: "http://localhost:3001/mcp",
      scope: options.scope ?? "messages:send messages:read",
      authorizationDetails: JSON.stringify(details),
      requestedAuthorizationDetails: JSON.stringify(details),
      expiresAt: new Date(Date.now() + (options.expiresInSeconds ?? 3600) * 1000),
      createdVia: options.parentGrantId ? "exchange" : "code",
      parentGrantId: options.parentGrantId,
      entries: { create: entryRowsFor(details) },
    },
  });
  return { userId, clientId, grantId: grant.id, details };
}
