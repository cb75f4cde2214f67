// Appends to the hash chain inside the caller's transaction, so an event and its effect
// commit together or not at all. The head row is updated first: on SQLite that takes the
// database write lock, on PostgreSQL a row lock, so concurrent writers in any number of
// processes append strictly one after another and the chain stays linear.
import type { Tx } from "../db";
import type { AuditEntry, AuditEventInput } from "./events";
import { canonicalJson, entryHash } from "./hash";
import { checkReason, normaliseDetails } from "./privacy";

export { normaliseDetails } from "./privacy";

export async function appendAudit(tx: Tx, event: AuditEventInput, now: Date = new Date()): Promise<AuditEntry> {
  // Checked before the head is touched, so a rejected entry takes no lock and no number.
  const details = normaliseDetails(event.details);
  checkReason(event.reason);
  const rows = await tx.$queryRaw<{ seq: number | bigint; hash: string }[]>`
    UPDATE "AuditHead" SET "seq" = "seq" + 1 WHERE "id" = 1 RETURNING "seq", "hash"`;
  if (rows.length !== 1) throw new Error("audit head row is missing: run the migrations");
  const seq = Number(rows[0].seq);
  const prevHash = rows[0].hash;
  // Millisecond precision: both providers store exactly this, so verification recomputes it.
  const time = new Date(Math.floor(now.getTime()));
  const fields = {
    seq,
    time,
    actorType: event.actorType,
    actorId: event.actorId ?? null,
    subjectUserId: event.subjectUserId ?? null,
    clientId: event.clientId ?? null,
    grantId: event.grantId ?? null,
    type: event.type,
    outcome: event.outcome,
    reason: event.reason ?? null,
    details,
    prevHash,
  };
  const hash = entryHash(fields);
  await tx.auditEvent.create({ data: { ...fields, details: canonicalJson(fields.details), hash } });
  await tx.auditHead.update({ where: { id: 1 }, data: { hash } });
  return { ...fields, hash };
}
