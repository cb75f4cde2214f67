// Who made a change, as the audit trail records it, and the one way an actor's completed change
// is appended: users, admins, the admin CLI and the system all fill the actor fields the same way
// (docs/audit.md, "An entry").
import type { Tx } from "../db";
import { appendAudit } from "./append";
import type { AuditActorType, AuditEventInput } from "./events";

export interface AuditActor {
  type: AuditActorType;
  id?: string | null;
}

/** An entry without its outcome and actor, which appendActorChange fills in. */
export type ActorChange = Omit<AuditEventInput, "outcome" | "actorType" | "actorId">;

/** Appends an actor's completed change (outcome `success`) inside the caller's transaction. */
export function appendActorChange(tx: Tx, actor: AuditActor, change: ActorChange, now: Date): Promise<void> {
  return appendAudit(tx, { ...change, outcome: "success", actorType: actor.type, actorId: actor.id ?? null }, now);
}
