"use server";
// The admin console's buttons. Server actions: Next.js rejects cross-origin posts (Origin
// check), and each action re-checks the admin role itself rather than trusting the page.
import { redirect } from "next/navigation";
import { changeRoleAsAdmin, revokeAccountAsAdmin } from "@/lib/admin/manage-users";
import { requireRole } from "@/app/_auth/session";
import { appDeps } from "@/lib/deps";

export async function changeRoleAction(form: FormData): Promise<void> {
  const admin = await requireRole("admin", "/admin");
  const { db, now } = appDeps();
  const notice = await changeRoleAsAdmin(db, admin, form.get("email"), form.get("role"), now());
  redirect(`/admin?notice=${notice}`);
}

export async function revokeAccountAction(form: FormData): Promise<void> {
  const admin = await requireRole("admin", "/admin");
  const { db, now } = appDeps();
  const notice = await revokeAccountAsAdmin(db, admin, form.get("email"), now());
  redirect(`/admin?notice=${notice}`);
}
