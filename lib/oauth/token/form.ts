// Reading the form body of the token, revocation and introspection endpoints (RFC 6749
// section 3.2: application/x-www-form-urlencoded, POST; parameters never repeated).
import { OAuthError } from "../errors";

const MAX_BODY_BYTES = 64 * 1024;

export async function readForm(req: Request): Promise<URLSearchParams> {
  if (req.method !== "POST") throw new OAuthError("invalid_request", "use POST", { status: 405, headers: { Allow: "POST, OPTIONS" } });
  const type = (req.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") {
    throw new OAuthError("invalid_request", "the body must be application/x-www-form-urlencoded");
  }
  const length = Number(req.headers.get("content-length") ?? "0");
  if (length > MAX_BODY_BYTES) throw new OAuthError("invalid_request", "the request body is too large", { status: 413 });
  const text = await req.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new OAuthError("invalid_request", "the request body is too large", { status: 413 });
  const form = new URLSearchParams(text);
  checkNoRepeats(form);
  return form;
}

/** RFC 6749 section 3.2: "Request and response parameters MUST NOT be included more than once." */
export function checkNoRepeats(form: URLSearchParams): void {
  const seen = new Set<string>();
  for (const key of form.keys()) {
    if (seen.has(key)) throw new OAuthError("invalid_request", `the parameter ${key.slice(0, 40)} is repeated`);
    seen.add(key);
  }
}

/** A parameter that must be present and non-empty. */
export function requireParam(form: URLSearchParams, name: string): string {
  const value = form.get(name);
  if (!value) throw new OAuthError("invalid_request", `${name} is required`);
  return value;
}
