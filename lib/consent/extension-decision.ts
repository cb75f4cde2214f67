// POST /consent/extension/{id}/decision: the extension consent page's target. The same checks
// as every consent decision (lib/consent/post-handler.ts): a signed-in user, same-origin, the
// single-use consent token of the page; then decideExtension, which checks that the user owns
// the grant and the request still waits. Answers 303 back to the page, which shows the outcome.
import type { Deps } from "../deps";
import { extensionPagePath, decideExtension, ExtensionError } from "../grants/extensions";
import { hasInvalidCharacters } from "../http/text";
import { readOAuthForm } from "../oauth/body";
import { authorizeErrorPage } from "../oauth/authorize/error-page";
import { seeOther } from "../oauth/authorize/redirect";
import { consentTokenMatches, sameOrigin } from "./token";
import { errorMessage } from "../error-message";

function pageUrl(deps: Deps, id: string, query = ""): string {
  return `${deps.config.issuerUrl}${extensionPagePath(id)}${query}`;
}

/** The person's count: a whole number, or absent (approve as asked). */
function countOf(value: string | null): number | undefined | null {
  if (value === null || value.trim() === "") return undefined;
  return /^\d{1,6}$/.test(value.trim()) ? Number(value.trim()) : null;
}

export async function handleExtensionDecision(req: Request, deps: Deps, ctx: { id: string; userId: string | null }): Promise<Response> {
  try {
    if (!ctx.userId) return authorizeErrorPage("Sign in to decide on this request.", 403);
    if (!sameOrigin(req, deps.config.issuerUrl)) return authorizeErrorPage("The decision did not come from this site's consent page.", 403);
    if (ctx.id.length > 100 || hasInvalidCharacters(ctx.id)) return authorizeErrorPage("There is no such request.", 404);
    let form: URLSearchParams;
    try {
      form = await readOAuthForm(req);
    } catch {
      return authorizeErrorPage("The form could not be read.", 400);
    }
    const decision = form.get("decision");
    if (decision !== "approve" && decision !== "deny") return authorizeErrorPage("Choose Approve or Deny.", 400);
    const row = await deps.db.grantExtensionRequest.findUnique({ where: { id: ctx.id }, select: { userId: true, consentTokenHash: true } });
    if (!row) return authorizeErrorPage("There is no such request.", 404);
    if (row.userId !== ctx.userId) return authorizeErrorPage("Only the account that gave the grant can decide on this request.", 403);
    if (!consentTokenMatches(form.get("consent_token"), row.consentTokenHash)) return authorizeErrorPage("This form is no longer valid. Reload the page and decide again.", 403);
    const maxMessages = decision === "approve" ? countOf(form.get("max_messages")) : undefined;
    if (maxMessages === null) return seeOther(pageUrl(deps, ctx.id, "?error=max_messages"));
    await decideExtension(deps.db, { id: ctx.id, userId: ctx.userId, decision, maxMessages, now: deps.now() });
    return seeOther(pageUrl(deps, ctx.id));
  } catch (err) {
    if (err instanceof ExtensionError) {
      if (err.code === "invalid_max_messages") return seeOther(pageUrl(deps, ctx.id, "?error=max_messages"));
      return authorizeErrorPage(err.message, err.status);
    }
    console.error("extension consent: unexpected error:", errorMessage(err));
    return authorizeErrorPage("The decision could not be saved. Reload the page and try again.", 500);
  }
}
