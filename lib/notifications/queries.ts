import type { Db } from "../db";

export interface NotificationView {
  id: string;
  channel: string;
  title: string;
  body: string;
  link: string | null;
  createdAt: string;
}

/** The user's most recent notifications, newest first. */
export async function listNotifications(db: Db, userId: string, limit = 10): Promise<NotificationView[]> {
  const rows = await db.notification.findMany({ where: { userId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: limit });
  return rows.map((r) => ({ id: r.id, channel: r.channel, title: r.title, body: r.body, link: r.link, createdAt: r.createdAt.toISOString() }));
}
