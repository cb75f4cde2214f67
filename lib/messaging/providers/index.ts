// The provider chosen by configuration (MESSAGING_PROVIDER, see .env.example).
import type { AppConfig } from "../../config";
import { sandboxProvider } from "./sandbox";
import { twilioProvider } from "./twilio";
import type { MessagingProvider } from "./types";
import { webhookProvider } from "./webhook";

export type { DeliveryResult, MessagingProvider, OutgoingMessage } from "./types";

export function providerFromConfig(messaging: AppConfig["messaging"], fetchFn?: typeof fetch, timeoutMs?: number): MessagingProvider {
  switch (messaging.provider) {
    case "twilio":
      return twilioProvider({ ...messaging, fetch: fetchFn, timeoutMs });
    case "webhook":
      return webhookProvider({ url: messaging.url, secret: messaging.secret, fetch: fetchFn, timeoutMs });
    default:
      return sandboxProvider();
  }
}
