// The built-in sender: the notification is stored and shown in the app (home page), so a
// development setup needs no mail or push service.
import type { Notifier } from "./notifier";

export const sandboxNotifier: Notifier = {
  channel: "sandbox",
  async send(notification, deps) {
    await deps.db.notification.create({
      data: {
        userId: notification.userId,
        channel: "sandbox",
        title: notification.title.slice(0, 200),
        body: notification.body.slice(0, 1000),
        link: notification.link ?? null,
        createdAt: deps.now(),
      },
    });
  },
};
