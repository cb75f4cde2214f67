// The one request-body reader of the project, for forms (RFC 6749 section 3.2) and JSON
// (RFC 7591 section 3.1, the messaging API, JSON-RPC). It streams with a running byte limit, so
// neither a huge Content-Length nor a body without one (chunked) is ever buffered beyond the
// limit; it decodes strict UTF-8 and refuses text PostgreSQL cannot store (./text.ts). Every
// failure is a BodyError with a stable code; each endpoint maps it to its own 4xx format.
import { parseMediaType } from "./media-type";
import { jsonHasInvalidCharacters, paramsHaveInvalidCharacters } from "./text";

export const MAX_FORM_BYTES = 64 * 1024;

export type BodyErrorCode = "body_too_large" | "unsupported_media_type" | "malformed_body" | "invalid_characters";

const STATUS: Record<BodyErrorCode, number> = { body_too_large: 413, unsupported_media_type: 415, malformed_body: 400, invalid_characters: 400 };

export class BodyError extends Error {
  readonly status: number;
  constructor(
    readonly code: BodyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "BodyError";
    this.status = STATUS[code];
  }
}

// Bodies the server read in full before the handler ran (./node-request.ts). The Request keeps
// its own copy as its body too, for any reader but this one.
const buffered = new WeakMap<Request, Uint8Array>();

/** Marks `req` as carrying `body`, already read in full: readBodyText decodes it without a stream. */
export function withBufferedBody(req: Request, body: Uint8Array): Request {
  buffered.set(req, body);
  return req;
}

function tooLarge(maxBytes: number): BodyError {
  return new BodyError("body_too_large", `the request body is larger than ${maxBytes} bytes`);
}

function checkMediaType(req: Request, expected: string): void {
  const type = parseMediaType(req.headers.get("content-type"));
  if (type.essence !== expected) throw new BodyError("unsupported_media_type", `the body must be ${expected}`);
  if (!type.utf8) throw new BodyError("unsupported_media_type", "the body must be encoded as UTF-8");
}

/** The body as UTF-8 text, read with a running limit (a lying Content-Length cannot get past it). */
export async function readBodyText(req: Request, maxBytes: number): Promise<string> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const bytes = buffered.get(req);
  if (bytes) {
    if (bytes.byteLength > maxBytes) throw tooLarge(maxBytes);
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      throw new BodyError("invalid_characters", "the body is not valid UTF-8");
    }
  }
  if (!req.body) return "";
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const reader = req.body.getReader();
  let text = "";
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge(maxBytes);
      }
      text += decoder.decode(value, { stream: true });
    }
    return text + decoder.decode();
  } catch (err) {
    if (err instanceof BodyError) throw err;
    await reader.cancel().catch(() => undefined);
    if (err instanceof TypeError) throw new BodyError("invalid_characters", "the body is not valid UTF-8");
    throw new BodyError("malformed_body", "the request body could not be read");
  } finally {
    reader.releaseLock();
  }
}

/** An application/x-www-form-urlencoded body. Repeated names are kept; callers decide (RFC 6749 section 3.2). */
export async function readFormBody(req: Request, maxBytes = MAX_FORM_BYTES): Promise<URLSearchParams> {
  checkMediaType(req, "application/x-www-form-urlencoded");
  const form = new URLSearchParams(await readBodyText(req, maxBytes));
  if (paramsHaveInvalidCharacters(form)) throw new BodyError("invalid_characters", "the form contains NUL or unpaired surrogate characters");
  return form;
}

/** An application/json body of any JSON value. */
export async function readJsonBody(req: Request, maxBytes: number): Promise<unknown> {
  checkMediaType(req, "application/json");
  const text = await readBodyText(req, maxBytes);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BodyError("malformed_body", "the body is not valid JSON");
  }
  if (jsonHasInvalidCharacters(value)) throw new BodyError("invalid_characters", "the JSON contains NUL or unpaired surrogate characters");
  return value;
}

/** An application/json body that must be one JSON object. */
export async function readJsonObjectBody(req: Request, maxBytes: number): Promise<Record<string, unknown>> {
  const value = await readJsonBody(req, maxBytes);
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new BodyError("malformed_body", "the body must be a JSON object");
  return value as Record<string, unknown>;
}

