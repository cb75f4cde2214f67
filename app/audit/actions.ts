"use server";
// The console's "Verify chain" button: the same check as `npm run audit:verify`.
import { checkpointSigner, verifyAuditTrail } from "@/lib/audit/audit-trail";
import { requireRole } from "@/lib/auth/session";
import { appDeps } from "@/lib/deps";

export interface VerifyState {
  ok: boolean;
  summary: string;
  problem?: { kind: string; seq: number; message: string };
  checkpointProblems: string[];
}

export async function verifyChainAction(_prev: VerifyState | null, _form: FormData): Promise<VerifyState> {
  await requireRole("auditor", "/audit");
  const deps = appDeps();
  const v = await verifyAuditTrail(deps.db, checkpointSigner(deps.config), { databaseUrl: deps.config.databaseUrl });
  const summary = `${v.checked.toLocaleString("en-US")} entries checked, head seq ${v.headSeq}, ${v.checkpointsChecked} signed checkpoint(s) matched, ${(v.elapsedMs / 1000).toFixed(1)} s`;
  return { ok: v.ok, summary, problem: v.problem ?? undefined, checkpointProblems: v.checkpointProblems };
}
