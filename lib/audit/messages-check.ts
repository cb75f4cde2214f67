// "Nothing lost, nothing invented" (issue 6, point 2), checked from the outside: every
// delivered message has its message.delivered entry, and every such entry names a message
// that exists and was delivered. The messaging outbox (lib/messaging) keeps this true by
// writing the status and the entry in one transaction; this check is how an auditor sees it
// held, including after a crash and the reconciler's restart (run it then).
import type { Db } from "../db";
import { isPostgres } from "./sql";

export interface MessageCheck {
  ok: boolean;
  /** Delivered messages that have no message.delivered entry. */
  deliveredWithoutEntry: string[];
  /** message.delivered entries whose message is missing or not delivered: seq and message id. */
  entriesWithoutMessage: { seq: number; messageId: string | null }[];
}

const LIMIT = 100;

export async function checkMessageEntries(db: Db): Promise<MessageCheck> {
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
  return {
    ok: missing.length === 0 && entriesWithoutMessage.length === 0,
    deliveredWithoutEntry: missing.map((r) => r.id),
    entriesWithoutMessage,
  };
}
