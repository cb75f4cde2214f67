// Response shapes of the messaging API.
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

/** The JSON body, or the 4xx response explaining why it cannot be read. */
export async function readJson(req: Request): Promise<unknown> {
  const type = (req.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/json") return jsonError(415, "invalid_request", "Content-Type must be application/json.");
  const tooLarge = () => jsonError(413, "invalid_request", `The body is larger than ${MAX_JSON_BYTES} bytes.`, { Connection: "close" });
  if (Number(req.headers.get("content-length") ?? "0") > MAX_JSON_BYTES) return tooLarge();
  // Read with a running limit, so a body without (or with a false) Content-Length is cut off too.
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    const reader = req.body?.getReader();
    for (;;) {
      if (!reader) break;
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_JSON_BYTES) {
        await reader.cancel().catch(() => undefined);
        return tooLarge();
      }
      chunks.push(value);
    }
  } catch {
    return jsonError(400, "invalid_request", "The request body could not be read.");
  }
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    const value = JSON.parse(text) as unknown;
    if (!value || typeof value !== "object" || Array.isArray(value)) return jsonError(400, "invalid_request", "The body must be a JSON object.");
    return value;
  } catch {
    return jsonError(400, "invalid_request", "The body is not valid JSON.");
  }
}
