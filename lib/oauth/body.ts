// Request parameters at the OAuth endpoints: the one reader (lib/http/body.ts), its errors as
// `invalid_request` (RFC 6749 section 5.2), with 413 kept for a body over the limit.
import { BodyError, MAX_FORM_BYTES, readFormBody, readJsonObjectBody } from "../http/body";
import { paramsHaveInvalidCharacters } from "../http/text";
import { OAuthError } from "./errors";

export function oauthBodyError(err: unknown): unknown {
  if (!(err instanceof BodyError)) return err;
  return new OAuthError("invalid_request", err.message, { status: err.code === "body_too_large" ? 413 : 400 });
}

export async function readOAuthForm(req: Request): Promise<URLSearchParams> {
  try {
    return await readFormBody(req, MAX_FORM_BYTES);
  } catch (err) {
    throw oauthBodyError(err);
  }
}

export async function readOAuthJsonObject(req: Request): Promise<Record<string, unknown>> {
  try {
    return await readJsonObjectBody(req, MAX_FORM_BYTES);
  } catch (err) {
    throw oauthBodyError(err);
  }
}

/** The query string's parameters (authorization requests by GET), held to the same text rules as a body. */
export function readOAuthQuery(req: Request): URLSearchParams {
  const params = new URL(req.url).searchParams;
  if (paramsHaveInvalidCharacters(params)) throw new OAuthError("invalid_request", "the query contains NUL or unpaired surrogate characters");
  return params;
}
