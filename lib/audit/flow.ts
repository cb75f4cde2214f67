// A grant's timeline as a flow of stages: requested → consented → tokens → calls →
// deliveries → revoked (docs/audit.md, "A grant's flow"). Each stage counts its entries and
// its denials and failures, so a refused call or a failed delivery stands out where it
// happened. Pure: the entries come from grantTimeline (timeline.ts).
import type { StoredAuditRow } from "./rows";

export const FLOW_STAGES = ["requested", "consented", "tokens", "calls", "deliveries", "revoked"] as const;
export type FlowStage = (typeof FLOW_STAGES)[number];

export const STAGE_NAMES: Record<FlowStage, string> = {
  requested: "Requested",
  consented: "Consented",
  tokens: "Tokens",
  calls: "Calls",
  deliveries: "Deliveries",
  revoked: "Revoked",
};

/** The stage an event type belongs to; undefined for events outside a grant's flow (sign-ins, keys). */
export function stageOf(type: string): FlowStage | undefined {
  if (type === "authorization.requested" || type === "consent.shown") return "requested";
  if (type.startsWith("consent.") || type.startsWith("grant.exten")) return "consented";
  if (type.startsWith("code.") || type.startsWith("token.") || type.startsWith("refresh.")) return type === "token.revoked" ? "revoked" : "tokens";
  if (type.startsWith("tool.") || type === "message.queued" || type === "message.denied") return "calls";
  if (type.startsWith("message.")) return "deliveries";
  if (type === "grant.revoked" || type === "client.revoked" || type === "account.revoked") return "revoked";
  return undefined;
}

export interface FlowStep {
  stage: FlowStage;
  name: string;
  count: number;
  /** Entries whose outcome is denied or failure. */
  refused: number;
  first?: Date;
  last?: Date;
  /** The first refused entry's type and reason, to say what went wrong. */
  firstRefusal?: { seq: number; type: string; reason: string | null };
}

export function grantFlow(entries: Pick<StoredAuditRow, "seq" | "type" | "outcome" | "time" | "reason">[]): FlowStep[] {
  const steps = new Map<FlowStage, FlowStep>(FLOW_STAGES.map((stage) => [stage, { stage, name: STAGE_NAMES[stage], count: 0, refused: 0 }]));
  for (const e of entries) {
    const stage = stageOf(e.type);
    if (!stage) continue;
    const s = steps.get(stage)!;
    s.count++;
    s.first ??= e.time;
    s.last = e.time;
    if (e.outcome === "denied" || e.outcome === "failure") {
      s.refused++;
      s.firstRefusal ??= { seq: e.seq, type: e.type, reason: e.reason };
    }
  }
  return [...steps.values()];
}
