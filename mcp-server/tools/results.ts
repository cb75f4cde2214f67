// Tool results: data for the model (structuredContent) and the same in text. A denial is a
// tool error (isError) whose structuredContent names the code and the limit, so an agent can
// tell "wrong recipient" from "quota spent" from "grant revoked" without parsing prose.
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { inputRequired, UrlElicitationRequiredError, type InputRequiredResult } from "@modelcontextprotocol/server";
import type { MessagingDenial } from "@/lib/messaging/policy";

export function okResult(data: Record<string, unknown>, summary: string): CallToolResult {
  return { content: [{ type: "text", text: `${summary}\n${JSON.stringify(data, null, 2)}` }], structuredContent: data };
}

export function denialResult(denial: MessagingDenial): CallToolResult {
  const data = denial.toJSON();
  return {
    isError: true,
    content: [{ type: "text", text: `Denied (${denial.code}, limit: ${denial.limit}): ${denial.message}` }],
    structuredContent: data,
  };
}

export function failureResult(code: string, message: string, retryable: boolean): CallToolResult {
  return { isError: true, content: [{ type: "text", text: `Failed (${code}): ${message}` }], structuredContent: { error: code, error_description: message, retryable } };
}

/** A link the person opens on their own device to approve what the call needs (URL-mode elicitation). */
export interface UrlConsent {
  /** The server's own id for the request (the 2025-11-25 elicitationId). */
  id: string;
  url: string;
  message: string;
  _meta?: Record<string, unknown>;
}

/**
 * In-call consent in each protocol era's own words (docs/mcp-clients.md, "Protocol eras"):
 * 2026-07-28 answers with the input-required result carrying one URL-mode elicitation (the
 * client opens the link, then retries the same call); 2025-11-25 with the URL elicitation
 * required error (-32042), thrown so the SDK sends it as the JSON-RPC error. Nothing the client
 * echoes back (requestState, inputResponses) is trusted: the retry is decided on the grant's
 * live state.
 */
export function urlConsentAnswer(era: "legacy" | "modern", consent: UrlConsent): InputRequiredResult {
  if (era === "legacy") {
    throw new UrlElicitationRequiredError([{ mode: "url", elicitationId: consent.id, url: consent.url, message: consent.message, _meta: consent._meta }], `${consent.message} Open ${consent.url}`);
  }
  return inputRequired({ inputRequests: { [`consent-${consent.id}`]: inputRequired.elicitUrl({ url: consent.url, message: consent.message, _meta: consent._meta }) } });
}
