// Tool results: data for the model (structuredContent) and the same in text. A denial is a
// tool error (isError) whose structuredContent names the code and the limit, so an agent can
// tell "wrong recipient" from "quota spent" from "grant revoked" without parsing prose.
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
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
