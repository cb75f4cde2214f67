// Sends a notification through every configured channel. A failing channel is logged (its
// name only, never the content) and does not fail the request that triggered it: the
// pending list shows the request whatever happens to the notification.
import type { Deps } from "../deps";
import type { Notifier, UserNotification } from "./notifier";
import { sandboxNotifier } from "./sandbox";

export type { Notifier, UserNotification } from "./notifier";
export { sandboxNotifier } from "./sandbox";
export { listNotifications, type NotificationView } from "./queries";

const registered: Notifier[] = [sandboxNotifier];

/** Adds a channel (for example an e-mail or push sender) for this process. */
export function registerNotifier(notifier: Notifier): void {
  if (!registered.some((n) => n.channel === notifier.channel)) registered.push(notifier);
}

export function notifiers(): readonly Notifier[] {
  return registered;
}

export async function notifyUser(deps: Deps, notification: UserNotification, channels: readonly Notifier[] = registered): Promise<void> {
  await Promise.all(
    channels.map((n) =>
      n.send(notification, deps).catch((err: unknown) => {
        console.error(`notifications: channel ${n.channel} failed:`, err instanceof Error ? err.name : "error");
      }),
    ),
  );
}
