// The default provider: nothing leaves the system. The Message row is the sandbox's store, and
// /outbox shows it to the user who owns the grant. Idempotent by construction (keyed by id).
import type { MessagingProvider } from "./types";

export function sandboxProvider(): MessagingProvider {
  return {
    name: "sandbox",
    async send(message) {
      return { ok: true, providerMessageId: `sandbox_${message.id}` };
    },
  };
}
