// Telling a user, out of band, that an agent is waiting for their decision (docs/ciba.md, "Notifications").
// Senders are pluggable: each channel implements Notifier. The built-in sandbox channel
// stores the notification (the Notification table) so it shows up in the app, like the
// sandbox messaging provider's outbox; the browser additionally raises a system
// notification from the live pending list when the user allowed it.
import type { Deps } from "../deps";

export interface UserNotification {
  userId: string;
  title: string;
  /** Plain text; senders escape it for their medium. Never a token or a secret. */
  body: string;
  /** A path on this app (for example /consent/abc), made absolute by senders that leave the app. */
  link?: string;
}

export interface Notifier {
  /** Stored in Notification.channel and shown to the user. */
  readonly channel: string;
  send(notification: UserNotification, deps: Deps): Promise<void>;
}
