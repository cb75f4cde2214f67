// Reads the consent form: the decision, the consent token and the user's edits. Recipients
// come as checkbox values (asked recipients) or typed text (open request), one per line or
// separated by commas or semicolons; each must be an E.164 number.
import { MAX_MESSAGES_PER_DETAIL, MAX_RECIPIENTS, normalizeE164, type Narrowing } from "../authorization-details";
import { ConsentError } from "./decide";

export interface ConsentForm {
  decision: "approve" | "deny";
  token: string | null;
  narrowing: Narrowing[];
  durationSeconds?: number;
}

function integer(value: string | null, what: string, retryCode: "max_messages" | "duration", max: number): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (!/^\d{1,9}$/.test(value.trim())) throw new ConsentError(400, `${what} must be a whole number.`, retryCode);
  const n = Number(value.trim());
  if (n > max) throw new ConsentError(400, `${what} can be at most ${max}.`, retryCode);
  return n;
}

function recipientsOf(form: URLSearchParams, index: number): string[] {
  const raw = form.getAll(`recipients_${index}`).flatMap((v) => v.split(/[\n,;]+/)).map((s) => s.trim()).filter(Boolean);
  const tooMany = () => new ConsentError(400, `At most ${MAX_RECIPIENTS} recipients.`, "recipients");
  // A bound on the work before parsing (the same number may be written several ways).
  if (raw.length > MAX_RECIPIENTS * 4) throw tooMany();
  const numbers = raw.map((r) => {
    const e164 = normalizeE164(r);
    if (!e164) throw new ConsentError(400, "Enter phone numbers in international form, like +1 555 010 0123.", "recipients");
    return e164;
  });
  // The grant's own limit (MAX_RECIPIENTS), checked here so the user can correct it on the page.
  if (new Set(numbers).size > MAX_RECIPIENTS) throw tooMany();
  return numbers;
}

/** `detailCount` comes from the stored request, never from the form. */
export function parseConsentForm(form: URLSearchParams, detailCount: number): ConsentForm {
  const decision = form.get("decision");
  if (decision !== "approve" && decision !== "deny") throw new ConsentError(400, "Choose Approve or Deny.");
  const narrowing: Narrowing[] = [];
  if (decision === "approve") {
    for (let i = 0; i < detailCount; i++) {
      const maxMessages = integer(form.get(`max_messages_${i}`), "The message limit", "max_messages", MAX_MESSAGES_PER_DETAIL);
      narrowing.push({ recipients: recipientsOf(form, i), maxMessages });
    }
  }
  // The duration is checked against the proposed lifetime later (lifetime.ts); this bound only keeps the number sane.
  return { decision, token: form.get("consent_token"), narrowing, durationSeconds: integer(form.get("duration"), "The duration", "duration", 999_999_999) };
}
