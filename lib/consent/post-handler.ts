// POST /consent/{id}/decision: the consent form's target. Checks, in order: a signed-in user,
// same-origin (Origin header), the request is theirs and still pending, the single-use consent
// token; then decideRequest. Answers 303 (checklist 18): to the client's redirect URI for the
// authorize flow, back to the consent page otherwise (it shows the outcome), or back to the
// page with an error code when the user's edit needs correcting.
import type { Deps } from "../deps";
import { hasInvalidCharacters } from "../http/text";
import { readOAuthForm } from "../oauth/body";
import { OAuthError } from "../oauth/errors";
import { authorizeErrorPage } from "../oauth/authorize/error-page";
import { seeOther } from "../oauth/authorize/redirect";
import { ConsentError, decideRequest } from "./decide";
import { parseConsentForm } from "./form";
import { consentTokenMatches, sameOrigin } from "./token";
import { mayDecide, NOT_THE_DECIDER } from "./decider";
import { errorMessage } from "../error-message";

export function consentPagePath(deps: Deps, requestId: string, query = ""): string {
  return `${deps.config.issuerUrl}/consent/${encodeURIComponent(requestId)}${query}`;
}

async function checkRequestAndToken(deps: Deps, requestId: string, userId: string, token: string | null) {
  const row = requestId.length <= 100 && !hasInvalidCharacters(requestId) ? await deps.db.authorizationRequest.findUnique({ where: { id: requestId } }) : null;
  if (!row || row.parRequestUriHash) throw new ConsentError(404, "There is no such request.");
  if (!mayDecide(row, userId)) throw new ConsentError(403, NOT_THE_DECIDER);
  if (row.status !== "pending") throw new ConsentError(400, "This request was already decided.");
  if (row.expiresAt <= deps.now()) throw new ConsentError(400, "This request has expired. Start again from the application.");
  if (!consentTokenMatches(token, row.consentTokenHash)) throw new ConsentError(403, "This form is no longer valid. Reload the page and decide again.");
  return row;
}

export async function handleConsentDecision(req: Request, deps: Deps, ctx: { requestId: string; userId: string | null }): Promise<Response> {
  try {
    if (!ctx.userId) throw new ConsentError(403, "Sign in to decide on this request.");
    if (!sameOrigin(req, deps.config.issuerUrl)) throw new ConsentError(403, "The decision did not come from this site's consent page.");
    let form: URLSearchParams;
    try {
      form = await readOAuthForm(req);
    } catch (err) {
      throw new ConsentError(400, err instanceof OAuthError && err.description ? err.description : "The form could not be read.");
    }
    const row = await checkRequestAndToken(deps, ctx.requestId, ctx.userId, form.get("consent_token"));
    const detailCount = (JSON.parse(row.authorizationDetails) as unknown[]).length;
    const parsed = parseConsentForm(form, detailCount);
    const result = await decideRequest(deps, {
      requestId: ctx.requestId,
      userId: ctx.userId,
      decision: parsed.decision,
      narrowing: parsed.decision === "approve" ? parsed.narrowing : undefined,
      durationSeconds: parsed.durationSeconds,
    });
    return seeOther(result.kind === "redirect" ? result.location : consentPagePath(deps, ctx.requestId));
  } catch (err) {
    if (err instanceof ConsentError) {
      if (err.retryCode) return seeOther(consentPagePath(deps, ctx.requestId, `?error=${err.retryCode}`));
      return authorizeErrorPage(err.message, err.status);
    }
    console.error("consent: unexpected error:", errorMessage(err));
    return authorizeErrorPage("The decision could not be saved. Reload the page and try again.", 500);
  }
}
