// Reads the consent form: the decision, the consent token and the user's edits. Recipients
// come as checkbox values (asked recipients) or typed text (open request), one per line or
// separated by commas or semicolons; each must be an E.164 number.
import { normalizeE164, type Narrowing } from "../authorization-details";
import { ConsentError } from "./decide";

export interface ConsentForm {
  decision: "approve" | "deny";
  token: string | null;
  narrowing: Narrowing[];
  durationSeconds?: number;
}

function integer(value: string | null, what: string, retryCode: "max_messages" | "duration"): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (!/^\d{1,9}$/.test(value.trim())) throw new ConsentError(400, `${what} must be a whole number.`, retryCode);
  return Number(value.trim());
}

function recipientsOf(form: URLSearchParams, index: number): string[] {
  const raw = form.getAll(`recipients_${index}`).flatMap((v) => v.split(/[\n,;]+/)).map((s) => s.trim()).filter(Boolean);
  if (raw.length > 50) throw new ConsentError(400, "Too many recipients.", "recipients");
  return raw.map((r) => {
    const e164 = normalizeE164(r);
    if (!e164) throw new ConsentError(400, "Enter phone numbers in international form, like +1 555 010 0123.", "recipients");
    return e164;
  });
}

/** `detailCount` comes from the stored request, never from the form. */
export function parseConsentForm(form: URLSearchParams, detailCount: number): ConsentForm {
  const decision = form.get("decision");
  if (decision !== "approve" && decision !== "deny") throw new ConsentError(400, "Choose Approve or Deny.");
  const narrowing: Narrowing[] = [];
  if (decision === "approve") {
    for (let i = 0; i < detailCount; i++) {
      narrowing.push({ recipients: recipientsOf(form, i), maxMessages: integer(form.get(`max_messages_${i}`), "The message limit", "max_messages") });
    }
  }
  return { decision, token: form.get("consent_token"), narrowing, durationSeconds: integer(form.get("duration"), "The duration", "duration") };
}
