// What /outbox shows a signed-in user: the messages sent under their own grants, newest first.
import type { Db } from "../db";

export interface OutboxEntry {
  id: string;
  recipient: string;
  body: string;
  status: string;
  provider: string;
  error: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
  grantId: string;
  agent: string;
}

export async function listOutbox(db: Db, userId: string, take = 100): Promise<OutboxEntry[]> {
  const rows = await db.message.findMany({ where: { userId }, orderBy: { createdAt: "desc" }, take });
  const clientIds = [...new Set(rows.map((r) => r.clientId))];
  const clients = clientIds.length ? await db.client.findMany({ where: { id: { in: clientIds } }, select: { id: true, name: true } }) : [];
  const names = new Map(clients.map((c) => [c.id, c.name || c.id]));
  return rows.map((r) => ({
    id: r.id,
    recipient: r.recipient,
    body: r.body,
    status: r.status,
    provider: r.provider,
    error: r.error,
    createdAt: r.createdAt,
    deliveredAt: r.deliveredAt,
    grantId: r.grantId,
    agent: names.get(r.clientId) ?? r.clientId,
  }));
}
