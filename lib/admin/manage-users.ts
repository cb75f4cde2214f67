// What an admin may do to accounts from the web console, with one safety rule the CLI does not
// need: an admin cannot demote or revoke their own account from the browser, so the last
// admin cannot lock everyone out by a slip of the mouse (the CLI remains the way to do it).
import { revokeAccount } from "../auth/account-revocation";
import type { AuditActor } from "../audit/actor";
import { setRole, UserError } from "../auth/users";
import type { Db } from "../db";

export type AdminNotice = "role_changed" | "role_unchanged" | "account_revoked" | "self_demote" | "self_revoke" | "not_found" | "invalid";

export const ADMIN_NOTICES: Record<AdminNotice, { text: string; error: boolean }> = {
  role_changed: { text: "Role changed.", error: false },
  role_unchanged: { text: "That user already has this role.", error: false },
  account_revoked: { text: "Account revoked: the user is signed out and every grant they gave is revoked.", error: false },
  self_demote: { text: "You cannot remove your own admin role here. Use the admin CLI.", error: true },
  self_revoke: { text: "You cannot revoke your own account here. Use the admin CLI.", error: true },
  not_found: { text: "No user has that email.", error: true },
  invalid: { text: "That request was not valid.", error: true },
};

export interface AdminUser {
  id: string;
  email: string;
}

const actorOf = (admin: AdminUser): AuditActor => ({ type: "user", id: admin.id });

export async function changeRoleAsAdmin(db: Db, admin: AdminUser, email: unknown, role: unknown, now = new Date()): Promise<AdminNotice> {
  if (typeof email !== "string" || typeof role !== "string") return "invalid";
  if (email.trim().toLowerCase() === admin.email && role !== "admin") return "self_demote";
  try {
    const result = await setRole(db, email, role, actorOf(admin), now);
    return result.changed ? "role_changed" : "role_unchanged";
  } catch (err) {
    return noticeFor(err);
  }
}

export async function revokeAccountAsAdmin(db: Db, admin: AdminUser, email: unknown, now = new Date()): Promise<AdminNotice> {
  if (typeof email !== "string") return "invalid";
  if (email.trim().toLowerCase() === admin.email) return "self_revoke";
  try {
    await revokeAccount(db, email, actorOf(admin), now);
    return "account_revoked";
  } catch (err) {
    return noticeFor(err);
  }
}

function noticeFor(err: unknown): AdminNotice {
  if (err instanceof UserError) return err.code === "not_found" ? "not_found" : "invalid";
  throw err;
}
