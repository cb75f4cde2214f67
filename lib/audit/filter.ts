// The auditor's filter, parsed from a query string (the console's form, the export link):
// user, agent (client), grant, event type(s), outcome, time range, reason text. Bad input is
// a clear error, never a 500.
import { z } from "zod";
import { AUDIT_EVENT_TYPES } from "./events";

export const OUTCOMES = ["success", "failure", "denied", "info"] as const;

export interface AuditFilter {
  userId?: string;
  clientId?: string;
  grantId?: string;
  types?: string[];
  outcome?: (typeof OUTCOMES)[number];
  from?: Date;
  to?: Date;
  /** Free text searched in the reason. */
  q?: string;
}

export class AuditFilterError extends Error {
  override name = "AuditFilterError";
}

const id = z.string().trim().max(512).optional();

// "2026-11-22T08:00" (an <input type="datetime-local">, read as UTC) or a full ISO time.
const time = z
  .string()
  .trim()
  .optional()
  .transform((s, ctx) => {
    if (!s) return undefined;
    const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(s) ? `${s}Z` : s;
    const d = new Date(iso);
    if (!/^\d{4}-\d{2}-\d{2}/.test(s) || Number.isNaN(d.getTime())) {
      ctx.addIssue({ code: "custom", message: "is not a date and time (use 2026-11-22T08:00, UTC)" });
      return z.NEVER;
    }
    return d;
  });

const FilterSchema = z.object({
  user: id,
  agent: id,
  grant: id,
  type: z.array(z.enum(AUDIT_EVENT_TYPES, { message: "is not a known event type" })).max(AUDIT_EVENT_TYPES.length),
  outcome: z.enum(OUTCOMES, { message: `must be one of ${OUTCOMES.join(", ")}` }).optional(),
  from: time,
  to: time,
  q: z.string().trim().max(200, "is longer than 200 characters").optional(),
});

const blankToUndefined = (v: string | null) => (v === null || v.trim() === "" ? undefined : v);

export function parseAuditFilter(params: URLSearchParams): AuditFilter {
  const parsed = FilterSchema.safeParse({
    user: blankToUndefined(params.get("user")),
    agent: blankToUndefined(params.get("agent")),
    grant: blankToUndefined(params.get("grant")),
    type: params.getAll("type").filter((t) => t.trim() !== ""),
    outcome: blankToUndefined(params.get("outcome")),
    from: blankToUndefined(params.get("from")),
    to: blankToUndefined(params.get("to")),
    q: blankToUndefined(params.get("q")),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AuditFilterError(issue ? `${String(issue.path[0] ?? "filter")} ${issue.message}` : "the filter is invalid");
  }
  const f = parsed.data;
  if (f.from && f.to && f.from > f.to) throw new AuditFilterError("from is after to");
  return {
    userId: f.user || undefined,
    clientId: f.agent || undefined,
    grantId: f.grant || undefined,
    types: f.type.length ? f.type : undefined,
    outcome: f.outcome,
    from: f.from,
    to: f.to,
    q: f.q || undefined,
  };
}

/** The filter as query parameters (for next-page and export links). */
export function filterToParams(f: AuditFilter): URLSearchParams {
  const p = new URLSearchParams();
  if (f.userId) p.set("user", f.userId);
  if (f.clientId) p.set("agent", f.clientId);
  if (f.grantId) p.set("grant", f.grantId);
  for (const t of f.types ?? []) p.append("type", t);
  if (f.outcome) p.set("outcome", f.outcome);
  if (f.from) p.set("from", f.from.toISOString());
  if (f.to) p.set("to", f.to.toISOString());
  if (f.q) p.set("q", f.q);
  return p;
}
