// Bounded request-body reading for the OAuth endpoints: a huge body is refused before it is
// buffered, and a wrong content type is a clear 4xx (never a 500).
import { OAuthError } from "../oauth/errors";

export const MAX_FORM_BYTES = 64 * 1024;

async function readText(req: Request, maxBytes: number): Promise<string> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw new OAuthError("invalid_request", `request body larger than ${maxBytes} bytes`, { status: 413 });
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new OAuthError("invalid_request", `request body larger than ${maxBytes} bytes`, { status: 413 });
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function mediaType(req: Request): string {
  return (req.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
}

/** An application/x-www-form-urlencoded body (RFC 6749 section 3.2). */
export async function readForm(req: Request, maxBytes = MAX_FORM_BYTES): Promise<URLSearchParams> {
  if (mediaType(req) !== "application/x-www-form-urlencoded") {
    throw new OAuthError("invalid_request", "the body must be application/x-www-form-urlencoded");
  }
  return new URLSearchParams(await readText(req, maxBytes));
}

/** A JSON object body (RFC 7591 section 3.1). */
export async function readJsonObject(req: Request, maxBytes = MAX_FORM_BYTES): Promise<Record<string, unknown>> {
  if (mediaType(req) !== "application/json") throw new OAuthError("invalid_request", "the body must be application/json");
  let value: unknown;
  try {
    value = JSON.parse(await readText(req, maxBytes));
  } catch (err) {
    if (err instanceof OAuthError) throw err;
    throw new OAuthError("invalid_request", "the body is not valid JSON");
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new OAuthError("invalid_request", "the body must be a JSON object");
  return value as Record<string, unknown>;
}
