// The sample agent's side of in-call consent (docs/mcp-clients.md, "In-call consent"): a
// send that needs more than the grant allows gets a URL elicitation (protocol 2025-11-25,
// error -32042) naming a consent page. The agent prints the link and calls again every few
// seconds (the same idempotency key, so the message is sent at most once) until the person
// decides or the request expires. Once approved, the server answers `grant_extended`: the
// agent gets its next token with the refresh token (no new authorization-code flow) and the
// call goes through.
import { randomUUID } from "node:crypto";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { auth, type OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import { UrlElicitationRequiredError, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";

/** The server's `_meta` key on an elicitation: until when its link is good. */
const EXPIRES_AT_META = "agentgrants/expires_at";

export interface SendWithConsentOptions {
  client: Client;
  provider: OAuthClientProvider;
  serverUrl: URL;
  fetch?: typeof fetch;
  args: { to: string; body: string; idempotency_key?: string; extension_max_messages?: number };
  log?: (line: string) => void;
  pollMs?: number;
  /** Gives up waiting after this long even if the request has no expiry (a safety net). */
  maxWaitMs?: number;
}

export type SendWithConsentOutcome =
  | { kind: "sent"; result: CallToolResult; link?: string }
  | { kind: "denied"; result: CallToolResult; link?: string }
  | { kind: "expired"; link: string }
  | { kind: "failed"; result: CallToolResult };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function errorCode(result: CallToolResult): string | undefined {
  return (result.structuredContent as { error?: string } | undefined)?.error;
}

function extensionStatus(result: CallToolResult): string | undefined {
  return (result.structuredContent as { extension?: { status?: string } } | undefined)?.extension?.status;
}

export async function sendWithConsent(o: SendWithConsentOptions): Promise<SendWithConsentOutcome> {
  const log = o.log ?? console.log;
  const pollMs = o.pollMs ?? 2000;
  const args = { ...o.args, idempotency_key: o.args.idempotency_key ?? randomUUID() };
  let waiting: { id: string; url: string; expiresAt: number } | undefined;
  let refreshed = false;
  const started = Date.now();
  for (;;) {
    let result: CallToolResult;
    try {
      result = (await o.client.callTool({ name: "send_message", arguments: args })) as CallToolResult;
    } catch (err) {
      if (!(err instanceof UrlElicitationRequiredError)) throw err;
      const elicitation = err.elicitations[0];
      if (!elicitation) throw err;
      if (waiting && elicitation.elicitationId !== waiting.id) return { kind: "expired", link: waiting.url }; // the old one lapsed
      if (!waiting) {
        const expires = Date.parse(String(elicitation._meta?.[EXPIRES_AT_META] ?? ""));
        waiting = { id: elicitation.elicitationId, url: elicitation.url, expiresAt: Number.isFinite(expires) ? expires : started + (o.maxWaitMs ?? 600_000) };
        log(`\n${elicitation.message}\n\n  ${elicitation.url}\n\nWaiting for your decision...`);
      }
      if (Date.now() >= waiting.expiresAt || Date.now() - started >= (o.maxWaitMs ?? 600_000)) return { kind: "expired", link: waiting.url };
      await sleep(Math.min(pollMs, Math.max(0, waiting.expiresAt - Date.now())));
      continue;
    }
    if (result.isError && errorCode(result) === "grant_extended" && !refreshed) {
      // The grant now allows the send; this token predates it. The next token carries it.
      refreshed = true;
      await auth(o.provider, { serverUrl: o.serverUrl, fetchFn: o.fetch });
      log("Approved. Retrying with a fresh token.");
      continue;
    }
    if (!result.isError) return { kind: "sent", result, link: waiting?.url };
    if (extensionStatus(result) === "denied") return { kind: "denied", result, link: waiting?.url };
    return { kind: "failed", result };
  }
}
