// Narrowing checks shared by refresh (RFC 6749 section 6) and token exchange (RFC 8693
// section 2.1): a token request may ask for less than the grant allows, never more.
import { AuthorizationDetailsError, isWithin, parseAuthorizationDetailsParam, type MessagingDetail } from "../../authorization-details";
import { OAuthError } from "../errors";

export function scopeSet(scope: string | null | undefined): string[] {
  return [...new Set((scope ?? "").split(" ").filter(Boolean))];
}

/** The requested scope, or the allowed one when none was asked; `invalid_scope` when wider. */
export function narrowScope(requested: string | null, allowed: string): string {
  if (requested === null) return allowed;
  const asked = scopeSet(requested);
  const permitted = scopeSet(allowed);
  const extra = asked.find((s) => !permitted.includes(s));
  if (extra !== undefined) throw new OAuthError("invalid_scope", `the scope ${extra.slice(0, 40)} exceeds what was granted`);
  return asked.join(" ");
}

/** The requested authorization_details, or the allowed ones; `invalid_authorization_details` when wider. */
export function narrowDetailsParam(requested: string | null, allowed: MessagingDetail[]): MessagingDetail[] {
  if (requested === null) return allowed;
  let asked: MessagingDetail[];
  try {
    asked = parseAuthorizationDetailsParam(requested, { requireRecipients: true });
  } catch (err) {
    if (err instanceof AuthorizationDetailsError) throw new OAuthError("invalid_authorization_details", err.message);
    throw err;
  }
  if (!asked.length) throw new OAuthError("invalid_authorization_details", "authorization_details must not be empty");
  if (!isWithin(asked, allowed)) throw new OAuthError("invalid_authorization_details", "the authorization_details exceed what was granted");
  return asked;
}

/** RFC 8707 section 2: the resource, when given, must be the one the grant is for. */
export function checkSameResource(requested: string | null, allowed: string): void {
  if (requested !== null && requested !== allowed) {
    throw new OAuthError("invalid_target", "the resource is not the one this grant is for");
  }
}
