// "Nothing lost, nothing invented" (docs/audit.md), checked from the outside: every
// delivered message has its message.delivered entry, and every such entry names a message
// that exists and was delivered. The messaging outbox (lib/messaging) keeps this true by
// writing the status and the entry in one transaction; this check is how an auditor sees it
// held, including after a crash and the reconciler's restart (run it then).
// It also checks that every message still has the body its message.queued entry recorded
// (the entry holds a keyed hash of it, lib/audit/body-digest.ts), so a body changed in the
// Message table after the fact is named.
import type { Db } from "../db";
import { bodyMatches } from "./body-digest";
import { isPostgres } from "./sql";

export interface MessageCheck {
  ok: boolean;
  /** Delivered messages that have no message.delivered entry. */
  deliveredWithoutEntry: string[];
  /** message.delivered entries whose message is missing or not delivered: seq and message id. */
  entriesWithoutMessage: { seq: number; messageId: string | null }[];
  /** Messages whose body no longer matches the hash in their message.queued entry: seq and message id. */
  changedBodies: { seq: number; messageId: string }[];
}

const LIMIT = 100;
const BODY_BATCH = 1000;

/** `auditHmacKey` is the key the entries' body hashes were made with (config().auditHmacKey). */
export async function checkMessageEntries(db: Db, auditHmacKey: string): Promise<MessageCheck> {
  // The entry's message id, read from its canonical JSON details on either provider.
  const messageIdOf = isPostgres(db) ? `(a."details"::json->>'message_id')` : `json_extract(a."details", '$.message_id')`;
  const missing = await db.$queryRawUnsafe<{ id: string }[]>(
    `SELECT m."id" FROM "Message" m
      WHERE m."status" = 'delivered'
        AND NOT EXISTS (SELECT 1 FROM "AuditEvent" a
                         WHERE a."grantId" = m."grantId" AND a."type" = 'message.delivered' AND ${messageIdOf} = m."id")
      ORDER BY m."id" LIMIT ${LIMIT}`,
  );
  const invented = await db.$queryRawUnsafe<{ seq: unknown; messageId: string | null }[]>(
    `SELECT a."seq", ${messageIdOf} AS "messageId" FROM "AuditEvent" a
      WHERE a."type" = 'message.delivered'
        AND NOT EXISTS (SELECT 1 FROM "Message" m WHERE m."id" = ${messageIdOf} AND m."status" = 'delivered')
      ORDER BY a."seq" LIMIT ${LIMIT}`,
  );
  const entriesWithoutMessage = invented.map((r) => ({ seq: Number(r.seq), messageId: r.messageId }));
  const changedBodies = await checkBodies(db, messageIdOf, auditHmacKey);
  return {
    ok: missing.length === 0 && entriesWithoutMessage.length === 0 && changedBodies.length === 0,
    deliveredWithoutEntry: missing.map((r) => r.id),
    entriesWithoutMessage,
    changedBodies,
  };
}

/** Every message.queued entry against its message's body, in keyset batches along the (type, seq) index. */
async function checkBodies(db: Db, messageIdOf: string, key: string): Promise<MessageCheck["changedBodies"]> {
  const changed: MessageCheck["changedBodies"] = [];
  for (let after = 0; changed.length < LIMIT; ) {
    const rows = await db.$queryRawUnsafe<{ seq: unknown; details: string; id: string; body: string }[]>(
      `SELECT a."seq", a."details", m."id", m."body" FROM "AuditEvent" a
         JOIN "Message" m ON m."id" = ${messageIdOf}
        WHERE a."type" = 'message.queued' AND a."seq" > ${after}
        ORDER BY a."seq" LIMIT ${BODY_BATCH}`,
    );
    for (const row of rows) {
      if (bodyMatches(key, row.body, JSON.parse(row.details) as Record<string, unknown>) === false) changed.push({ seq: Number(row.seq), messageId: row.id });
    }
    const last = rows.at(-1);
    if (rows.length < BODY_BATCH || !last) break;
    after = Number(last.seq);
  }
  return changed.slice(0, LIMIT);
}
