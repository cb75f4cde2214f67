// Response shapes of the messaging API.
import { BodyError, readJsonObjectBody } from "../../http/body";
import type { ResourceServer } from "../../resource-server/authenticate";
import type { MessagingDenial } from "../policy";

export const MAX_JSON_BYTES = 16 * 1024;

export function jsonError(status: number, error: string, description: string, headers: Record<string, string> = {}): Response {
  return Response.json({ error, error_description: description }, { status, headers: { "Cache-Control": "no-store", ...headers } });
}

export function unavailable(): Response {
  return jsonError(503, "temporarily_unavailable", "The service cannot record messages right now; nothing was sent.", { "Retry-After": "5" });
}

/** Denials: grant problems make the token unusable (401 invalid_token); limits are 403; bad input 400/422. */
export function denialResponse(rs: ResourceServer, denial: MessagingDenial, scopes: string[]): Response {
  if (denial.limit === "grant") {
    const res = Response.json(denial.toJSON(), {
      status: 401,
      headers: { "Cache-Control": "no-store", "WWW-Authenticate": rs.challenge({ error: "invalid_token", description: denial.message }) },
    });
    return res;
  }
  // RFC 6750 section 3.1: the challenge names the scopes the token has plus the one it needs.
  if (denial.code === "insufficient_scope") return rs.insufficientScope([String(denial.details.required_scope)], scopes, denial.message);
  const status = denial.code === "invalid_request" || denial.code === "invalid_recipient" ? 400 : denial.code === "idempotency_key_reused" ? 422 : 403;
  return Response.json(denial.toJSON(), { status, headers: { "Cache-Control": "no-store" } });
}

/** The JSON object body, or the 4xx response explaining why it cannot be read (lib/http/body.ts). */
export async function readJson(req: Request): Promise<Record<string, unknown> | Response> {
  try {
    return await readJsonObjectBody(req, MAX_JSON_BYTES);
  } catch (err) {
    if (!(err instanceof BodyError)) throw err;
    // After refusing an oversized body part of it is still unread: close the connection.
    const headers: Record<string, string> = err.code === "body_too_large" ? { Connection: "close" } : {};
    return jsonError(err.status, "invalid_request", `${err.message.charAt(0).toUpperCase()}${err.message.slice(1)}.`, headers);
  }
}
