// Sends a notification through every configured channel: the built-in sandbox channel
// always, the webhook channel when NOTIFICATION_WEBHOOK_URL is set, and any channel a
// deployment registers. A failing channel is logged (its name only, never the content) and
// does not fail the request that triggered it: the pending list shows the request whatever
// happens to the notification.
import type { AppConfig } from "../config";
import type { Deps } from "../deps";
import type { Notifier, UserNotification } from "./notifier";
import { sandboxNotifier } from "./sandbox";
import { webhookNotifier } from "./webhook";
import { errorMessage } from "../error-message";

export type { Notifier, UserNotification } from "./notifier";
export { sandboxNotifier } from "./sandbox";
export { webhookNotifier } from "./webhook";
export { listNotifications, type NotificationView } from "./queries";

const registered: Notifier[] = [];

/** Adds a channel (for example an e-mail or push sender) for this process. */
export function registerNotifier(notifier: Notifier): void {
  if (!registered.some((n) => n.channel === notifier.channel)) registered.push(notifier);
}

export function configuredNotifiers(config: AppConfig): Notifier[] {
  const webhook = config.notificationWebhook ? [webhookNotifier(config.notificationWebhook.url, config.notificationWebhook.secret)] : [];
  return [sandboxNotifier, ...webhook, ...registered];
}

export async function notifyUser(deps: Deps, notification: UserNotification, channels: readonly Notifier[] = configuredNotifiers(deps.config)): Promise<void> {
  await Promise.all(
    channels.map((n) =>
      n.send(notification, deps).catch((err: unknown) => {
        console.error(`notifications: channel ${n.channel} failed:`, errorMessage(err));
      }),
    ),
  );
}
