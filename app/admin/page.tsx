import { ADMIN_NOTICES, type AdminNotice } from "@/lib/admin/manage-users";
import { requireRole } from "@/app/_auth/session";
import { listUsers, ROLES } from "@/lib/auth/users";
import { db } from "@/lib/db";
import { changeRoleAction, revokeAccountAction } from "./actions";
import { TableScroll } from "../_components/table-scroll";
import { ConfirmButton } from "./confirm-button";

export const metadata = { title: "Admin · Agent Grants" };

const dateTime = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

type Search = Promise<Record<string, string | string[] | undefined>>;

export default async function AdminPage({ searchParams }: { searchParams: Search }) {
  const admin = await requireRole("admin", "/admin");
  const users = await listUsers(db());
  const code = (await searchParams).notice;
  // Only known codes are shown: the query string cannot put text on the page.
  const notice = typeof code === "string" && code in ADMIN_NOTICES ? ADMIN_NOTICES[code as AdminNotice] : null;
  return (
    <main>
      <h1>Admin</h1>
      {notice && (
        <p role="status" className={notice.error ? "error" : undefined}>
          {notice.text}
        </p>
      )}
      <h2>Users</h2>
      <p className="muted">
        Role changes apply on the user&apos;s next page load. Revoking an account signs the user out everywhere and revokes every grant they gave.
        The same from a terminal: <code>npm run admin -- help</code>.
      </p>
      <TableScroll label="Users">
      <table>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            <th scope="col">Created (UTC)</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => {
            const self = u.id === admin.id;
            return (
              <tr key={u.id}>
                <td>{u.email}</td>
                <td>{u.role}</td>
                <td>{u.disabledAt ? `disabled ${dateTime.format(u.disabledAt)}` : "active"}</td>
                <td>{dateTime.format(u.createdAt)}</td>
                <td>
                  {self ? (
                    <span className="muted">(you)</span>
                  ) : (
                    <>
                      <form action={changeRoleAction} style={{ display: "inline-flex", gap: 8, alignItems: "center" }}>
                        <input type="hidden" name="email" value={u.email} />
                        <select name="role" defaultValue={u.role} aria-label={`Role for ${u.email}`} style={{ width: "auto" }}>
                          {ROLES.map((r) => (
                            <option key={r} value={r}>
                              {r}
                            </option>
                          ))}
                        </select>
                        <button type="submit">Save role</button>
                      </form>{" "}
                      {!u.disabledAt && (
                        <form action={revokeAccountAction} style={{ display: "inline" }}>
                          <input type="hidden" name="email" value={u.email} />
                          <ConfirmButton
                            label={`Revoke account ${u.email}`}
                            question={`Revoke ${u.email}? They are signed out everywhere and every grant they gave ends now.`}
                          >
                            Revoke account
                          </ConfirmButton>
                        </form>
                      )}
                    </>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      </TableScroll>
    </main>
  );
}
