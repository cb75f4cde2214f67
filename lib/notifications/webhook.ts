// A notification channel that POSTs each notification as JSON to a configured URL (a chat
// bot, a push relay). The body carries the user's e-mail so the receiver can route it, and
// an absolute link to the consent page; never a token. With a secret, X-Signature is
// "sha256=" + HMAC-SHA256(secret, body), so the receiver can tell it came from this server.
import { createHmac } from "node:crypto";
import type { Notifier } from "./notifier";

const TIMEOUT_MS = 3000;

export function webhookNotifier(url: string, secret?: string): Notifier {
  return {
    channel: "webhook",
    async send(notification, deps) {
      const user = await deps.db.user.findUnique({ where: { id: notification.userId }, select: { email: true } });
      const body = JSON.stringify({
        type: "authorization_pending",
        user: user?.email ?? null,
        title: notification.title,
        body: notification.body,
        link: notification.link ? new URL(notification.link, `${deps.config.issuerUrl}/`).toString() : null,
        sent_at: deps.now().toISOString(),
      });
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (secret) headers["x-signature"] = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
      const res = await fetch(url, { method: "POST", headers, body, signal: AbortSignal.timeout(TIMEOUT_MS), redirect: "error" });
      if (!res.ok) throw new Error(`webhook answered ${res.status}`);
    },
  };
}
