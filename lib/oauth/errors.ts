// One error type for every OAuth endpoint, and one function that turns any error into the
// RFC-shaped response (RFC 6749 section 5.2, RFC 6750 section 3, RFC 9449 section 7.1).
import { errorMessage } from "../error-message";
export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "unsupported_response_type"
  | "invalid_scope"
  | "access_denied"
  | "server_error"
  | "temporarily_unavailable"
  | "invalid_target" // RFC 8707
  | "invalid_authorization_details" // RFC 9396
  | "invalid_dpop_proof" // RFC 9449
  | "use_dpop_nonce" // RFC 9449
  | "invalid_token" // RFC 6750
  | "insufficient_scope" // RFC 6750
  | "invalid_client_metadata" // RFC 7591
  | "invalid_redirect_uri" // RFC 7591
  | "authorization_pending" // RFC 8628, CIBA
  | "slow_down" // RFC 8628, CIBA
  | "expired_token" // RFC 8628, CIBA
  | "unknown_user_id" // CIBA
  | "invalid_binding_message" // CIBA
  | "unsupported_token_type"; // RFC 7009

const DEFAULT_STATUS: Partial<Record<OAuthErrorCode, number>> = {
  invalid_client: 401,
  invalid_token: 401,
  insufficient_scope: 403,
  access_denied: 403,
  server_error: 500,
  temporarily_unavailable: 503,
};

export class OAuthError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(
    readonly code: OAuthErrorCode,
    readonly description?: string,
    options: { status?: number; headers?: Record<string, string> } = {},
  ) {
    super(description ?? code);
    this.name = "OAuthError";
    this.status = options.status ?? DEFAULT_STATUS[code] ?? 400;
    this.headers = options.headers ?? {};
  }
}

/** error_description must be printable ASCII without CR/LF, `"` or `\` (RFC 6749 section 5.2). */
export function safeDescription(text: string): string {
  return text.replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, " ").slice(0, 300);
}

/**
 * Any thrown value as an OAuth JSON error response. Unknown errors become `server_error`
 * without detail, so internals never leak. Every response is `no-store` (RFC 6749 section 5.1).
 */
export function oauthErrorResponse(err: unknown, extraHeaders: Record<string, string> = {}): Response {
  const e = err instanceof OAuthError ? err : new OAuthError("server_error", "The server could not complete the request.");
  if (!(err instanceof OAuthError)) console.error("oauth: unexpected error:", errorMessage(err));
  const body: Record<string, string> = { error: e.code };
  if (e.description) body.error_description = safeDescription(e.description);
  return Response.json(body, {
    status: e.status,
    headers: { "Cache-Control": "no-store", Pragma: "no-cache", ...extraHeaders, ...e.headers },
  });
}

/** A JSON success response with the headers every token-bearing response needs. */
export function oauthJsonResponse(body: object, init: { status?: number; headers?: Record<string, string> } = {}): Response {
  // Members whose value is null are left out (serialised once, as Response.json would).
  const text = JSON.stringify(body, (_k, v) => (v === null ? undefined : v));
  return new Response(text, {
    status: init.status ?? 200,
    headers: { "Content-Type": "application/json", "Cache-Control": "no-store", Pragma: "no-cache", ...init.headers },
  });
}
