// The MCP server's calls to the messaging API, with the exchanged token (never the agent's).
//
// Sent with undici's `request`, not `fetch`: every send_message makes this call, and fetch
// builds a Web Request, a Response and their streams around it, which took about a sixth of
// the MCP server's CPU under send load; `request` answers the same over the same pooled
// keep-alive connections without them (docs/benchmarks.md, "The messaging call without fetch").
// No redirect is followed (the token must not go elsewhere): a 3xx is the API's answer, and the
// tool reports it as a failure like any other status it does not expect.
import { request } from "undici";

export interface MessagingCallResult {
  status: number;
  body: Record<string, unknown>;
}

export class MessagingUnavailableError extends Error {
  override name = "MessagingUnavailableError";
}

/** How long the API may take to send its headers, and then between chunks of its body. */
const TIMEOUT_MS = 20_000;

export async function postMessage(apiUrl: string, accessToken: string, message: { to: string; body: string }, idempotencyKey: string): Promise<MessagingCallResult> {
  let res: Awaited<ReturnType<typeof request>>;
  try {
    res = await request(apiUrl, {
      method: "POST",
      headers: { Authorization: `Bearer ${accessToken}`, "Content-Type": "application/json", Accept: "application/json", "Idempotency-Key": idempotencyKey },
      body: JSON.stringify(message),
      headersTimeout: TIMEOUT_MS,
      bodyTimeout: TIMEOUT_MS,
    });
  } catch {
    throw new MessagingUnavailableError("the messaging API could not be reached");
  }
  const body = (await res.body.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: res.statusCode, body: body !== null && typeof body === "object" ? body : {} };
}
