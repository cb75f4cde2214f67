// A Twilio-compatible HTTP provider: POST /2010-04-01/Accounts/{AccountSid}/Messages.json
// with To, From, Body as a form, HTTP Basic authentication with the account SID and auth
// token. The base URL is configurable, so compatible services (and tests) can stand in.
// Every call carries I-Twilio-Idempotency-Token = the message id, so a retry after a timeout
// (the first call may have been accepted) is deduplicated by APIs that honour the header.
import { httpFailure, networkFailure, DEFAULT_PROVIDER_TIMEOUT_MS, type MessagingProvider } from "./types";

export interface TwilioOptions {
  apiBase: string;
  accountSid: string;
  authToken: string;
  from: string;
  fetch?: typeof fetch;
  /** Abort the call after this long; the outcome is then unknown and the message is retried with the same key. */
  timeoutMs?: number;
}

export function twilioProvider(options: TwilioOptions): MessagingProvider {
  const fetchFn = options.fetch ?? fetch;
  const url = `${options.apiBase}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
  const auth = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString("base64")}`;
  return {
    name: "twilio",
    async send(message) {
      let res: Response;
      try {
        res = await fetchFn(url, {
          method: "POST",
          headers: {
            Authorization: auth,
            "Content-Type": "application/x-www-form-urlencoded",
            Accept: "application/json",
            "I-Twilio-Idempotency-Token": message.id,
          },
          body: new URLSearchParams({ To: message.to, From: options.from, Body: message.body }),
          signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_PROVIDER_TIMEOUT_MS),
          redirect: "error",
        });
      } catch (err) {
        return { ok: false, ...networkFailure(err) };
      }
      if (!res.ok) {
        await res.body?.cancel();
        return { ok: false, ...httpFailure(res.status) };
      }
      const data = (await res.json().catch(() => ({}))) as { sid?: unknown };
      if (typeof data.sid !== "string") return { ok: false, error: "provider answered without a message sid", retryable: false };
      return { ok: true, providerMessageId: data.sid };
    },
  };
}
