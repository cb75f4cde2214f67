// send_message { to, body, idempotency_key? }: checks scope (at the HTTP layer), grant,
// recipient and the message limit of the entries covering it, audits the decision, then sends
// through the messaging API with an exchanged token. The messaging API spends the message
// atomically (one conditional UPDATE per entry, in the same transaction that records the
// message), so concurrent calls can never overspend; the check here only answers early.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { entryToSpend } from "@/lib/authorization-details";
import { bodyFacts } from "@/lib/audit/body-digest";
import { MAX_EXTENSION_MESSAGES } from "@/lib/grants/extensions";
import { checkBody, checkRecipient, MessagingDenial, quotaDenial, SCOPE_SEND } from "@/lib/messaging/policy";
import type { LiveGrantStatus } from "@/lib/resource-server/grant-status";
import type { CallState, McpContext } from "../context";
import { ExchangeError } from "../downstream/token-exchange";
import { MessagingUnavailableError, postMessage } from "../downstream/messaging-client";
import { auditToolCall } from "./audit";
import { offerExtensionOnDenial } from "./extension-required";
import { requireLiveGrant } from "./grant-check";
import { failureResult, okResult } from "./results";

export const sendMessageInput = {
  to: z.string().max(40).describe("Recipient phone number in international form, e.g. +15550100123"),
  body: z.string().max(1600).describe("The text of the message"),
  idempotency_key: z.string().min(1).max(200).optional().describe("Retry with the same key to never send twice"),
  extension_max_messages: z
    .number()
    .int()
    .min(1)
    .max(MAX_EXTENSION_MESSAGES)
    .optional()
    .describe("If the grant does not cover this send, how many messages to this recipient to ask the person to allow (default 1; they may allow fewer)"),
};

type Args = { to: string; body: string; idempotency_key?: string; extension_max_messages?: number };

function denialFromApi(status: number, body: Record<string, unknown>, to: string): MessagingDenial | null {
  const code = body.error;
  if (status === 403 && code === "quota_exhausted") return quotaDenial(to);
  if (status === 403 && code === "recipient_not_allowed") return new MessagingDenial("recipient_not_allowed", String(body.error_description ?? "The recipient is not allowed."));
  if (status === 422 && code === "idempotency_key_reused") return new MessagingDenial("idempotency_key_reused", "This idempotency_key was already used for a different message.");
  return null;
}

/**
 * An early answer from the (at most 500 ms stale) grant status: every grant on the chain needs
 * an entry covering `to` with a message left. The messaging API spends atomically and decides.
 */
function hasMessageLeft(status: LiveGrantStatus, to: string): boolean {
  return (status.chain ?? []).every((grant) => entryToSpend(grant.details, grant.entries, to) !== null);
}

export async function sendMessageTool(ctx: McpContext, call: CallState, args: Args): Promise<CallToolResult> {
  // A recipient outside the grant or a spent quota becomes an in-call consent request.
  return offerExtensionOnDenial(ctx, call, args.extension_max_messages, () => sendWithinGrant(ctx, call, args));
}

async function sendWithinGrant(ctx: McpContext, call: CallState, args: Args): Promise<CallToolResult> {
  const { claims, presented } = call.auth;
  const grant = await requireLiveGrant(ctx, call);
  const to = checkRecipient(args.to, claims.authorization_details);
  const body = checkBody(args.body);
  if (!hasMessageLeft(grant, to)) throw quotaDenial(to);
  const facts = { recipient: to, ...bodyFacts(ctx.config.auditHmacKey, body) };
  await auditToolCall(ctx, call, { tool: "send_message", allowed: true, details: facts });

  const idempotencyKey = args.idempotency_key ? `agent:${args.idempotency_key}` : `mcp:${randomUUID()}`;
  const apiUrl = ctx.config.messagingResourceUrl;
  for (let attempt = 0; attempt < 2; attempt++) {
    let result;
    try {
      const downstream = await ctx.exchanger.tokenFor(presented.token, SCOPE_SEND);
      result = await postMessage(apiUrl, downstream.accessToken, { to, body }, idempotencyKey);
    } catch (err) {
      return downstreamFailure(ctx, call, err, facts);
    }
    if (result.status === 200 || result.status === 201) {
      const m = result.body as { id?: string; status?: string; created_at?: string };
      // A replayed idempotent request spent nothing; a fresh one spent what the API spends.
      if (result.status === 201) ctx.grants.recordSpend(claims.grant_id, to);
      else ctx.grants.forget(claims.grant_id);
      return okResult({ message_id: m.id, status: m.status, to, created_at: m.created_at }, `Message ${m.status === "delivered" ? "sent" : m.status} to ${to}.`);
    }
    ctx.grants.forget(claims.grant_id);
    const denial = denialFromApi(result.status, result.body, to);
    if (denial) throw denial;
    if (result.status === 401 && attempt === 0) {
      // The exchanged token was refused (expired, key rotated, grant changed): exchange afresh once.
      ctx.exchanger.evict(presented.token, SCOPE_SEND);
      continue;
    }
    if (result.status === 401) {
      await requireLiveGrant(ctx, call); // names the grant problem when there is one
    }
    await auditToolCall(ctx, call, { tool: "send_message", allowed: false, outcome: "failure", reason: `messaging_api_${result.status}`, details: facts });
    return failureResult("messaging_failed", `The messaging API answered ${result.status}.`, result.status >= 500);
  }
  return failureResult("messaging_failed", "The messaging API refused the request.", false);
}

async function downstreamFailure(ctx: McpContext, call: CallState, err: unknown, facts: Record<string, unknown>): Promise<CallToolResult> {
  if (err instanceof ExchangeError && ["invalid_grant", "invalid_request", "invalid_target", "invalid_scope"].includes(err.code)) {
    ctx.grants.forget(call.auth.claims.grant_id);
    await requireLiveGrant(ctx, call);
  }
  const reason = err instanceof ExchangeError ? `token_exchange_${err.code}` : err instanceof MessagingUnavailableError ? "messaging_unavailable" : "downstream_error";
  if (!(err instanceof ExchangeError) && !(err instanceof MessagingUnavailableError)) {
    console.error(`mcp-server: send_message downstream error: ${err instanceof Error ? err.name : "unknown"}`);
  }
  await auditToolCall(ctx, call, { tool: "send_message", allowed: false, outcome: "failure", reason, details: facts });
  return failureResult(reason, "The message could not be handed to the messaging service; try again shortly.", true);
}
