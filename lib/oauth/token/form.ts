// Reading the form body of the token, revocation and introspection endpoints (RFC 6749
// section 3.2: application/x-www-form-urlencoded, POST; parameters never repeated).
import { readOAuthForm } from "../body";
import { OAuthError } from "../errors";

export async function readForm(req: Request): Promise<URLSearchParams> {
  if (req.method !== "POST") throw new OAuthError("invalid_request", "use POST", { status: 405, headers: { Allow: "POST, OPTIONS" } });
  const form = await readOAuthForm(req);
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
