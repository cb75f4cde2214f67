"use server";
// Revoke buttons on /grants. Server actions are POSTs that Next.js checks against the page's
// origin (a cross-site form cannot trigger them); the grant must belong to the signed-in user.
import { revalidatePath } from "next/cache";
import { requireUser } from "@/app/_auth/session";
import { writeTransaction } from "@/lib/db";
import { appDeps } from "@/lib/deps";
import { hasInvalidCharacters } from "@/lib/http/text";
import { revokeGrant, revokeGrantsForClient } from "@/lib/grants/revoke";

export async function revokeGrantAction(formData: FormData): Promise<void> {
  const user = await requireUser("/grants");
  const grantId = String(formData.get("grant_id") ?? "");
  // Not an id we issued, and PostgreSQL refuses such text outright (lib/http/text.ts).
  if (hasInvalidCharacters(grantId)) return;
  const deps = appDeps();
  await writeTransaction(deps.db, async (tx) => {
    const grant = await tx.grant.findUnique({ where: { id: grantId }, select: { userId: true } });
    if (!grant || grant.userId !== user.id) return; // not theirs: nothing to do, nothing to reveal
    await revokeGrant(tx, grantId, "revoked by the user", { type: "user", id: user.id }, deps.now());
  });
  revalidatePath("/grants");
}

export async function revokeAgentAction(formData: FormData): Promise<void> {
  const user = await requireUser("/grants");
  const clientId = String(formData.get("client_id") ?? "");
  if (hasInvalidCharacters(clientId)) return;
  const deps = appDeps();
  await writeTransaction(deps.db, (tx) => revokeGrantsForClient(tx, user.id, clientId, "all grants of this agent revoked by the user", { type: "user", id: user.id }, deps.now()));
  revalidatePath("/grants");
}
