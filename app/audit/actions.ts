"use server";
// The console's "Verify chain" button: the same check as `npm run audit:verify`.
import { checkpointSigner, verifyAuditTrail } from "@/lib/audit/audit-trail";
import { checkMessageEntries } from "@/lib/audit/messages-check";
import { requireRole } from "@/app/_auth/session";
import { appDeps } from "@/lib/deps";
import { errorMessage } from "@/lib/error-message";

export interface VerifyState {
  /** The chain and its checkpoints (what `npm run audit:verify` decides on). */
  ok: boolean;
  summary: string;
  problem?: { kind: string; seq: number; message: string };
  checkpointProblems: string[];
  /** Delivered messages without their entry, and delivery entries without their message. */
  messageProblems: string[];
  /** The check itself failed to run. */
  failed?: boolean;
}

export async function verifyChainAction(_prev: VerifyState | null, _form: FormData): Promise<VerifyState> {
  await requireRole("auditor", "/audit");
  const deps = appDeps();
  try {
    return await verify(deps);
  } catch (err) {
    // The database went away mid-check, say: a verdict of "could not verify", not a crash.
    console.error(`audit verification could not run: ${errorMessage(err)}`);
    return { ok: false, summary: "Verification could not run (see the server log); nothing was concluded.", checkpointProblems: [], messageProblems: [], failed: true };
  }
}

async function verify(deps: ReturnType<typeof appDeps>): Promise<VerifyState> {
  const v = await verifyAuditTrail(deps.db, checkpointSigner(deps.config), { databaseUrl: deps.config.databaseUrl });
  const summary = `${v.checked.toLocaleString("en-US")} entries checked, head seq ${v.headSeq}, ${v.checkpointsChecked} signed checkpoint(s) matched, ${(v.elapsedMs / 1000).toFixed(1)} s`;
  const m = await checkMessageEntries(deps.db, deps.config.auditHmacKey);
  const messageProblems = [
    ...m.deliveredWithoutEntry.map((id) => `message ${id} was delivered but has no message.delivered entry`),
    ...m.entriesWithoutMessage.map((e) => `entry ${e.seq} says message ${e.messageId ?? "(none)"} was delivered, but no such delivered message exists`),
    ...m.changedBodies.map((c) => `message ${c.messageId} no longer has the body entry ${c.seq} recorded`),
  ];
  return { ok: v.ok, summary, problem: v.problem ?? undefined, checkpointProblems: v.checkpointProblems, messageProblems };
}
