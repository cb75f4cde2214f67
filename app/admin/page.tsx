import { requireRole } from "@/lib/auth/session";
import { listUsers } from "@/lib/auth/users";
import { db } from "@/lib/db";

export const metadata = { title: "Admin · Agent Grants" };

const dateTime = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

export default async function AdminPage() {
  await requireRole("admin", "/admin");
  const users = await listUsers(db());
  return (
    <main>
      <h1>Admin</h1>
      <h2>Users</h2>
      <p className="muted">
        Change roles and revoke accounts with the admin CLI: <code>npm run admin -- set-role &lt;email&gt; &lt;role&gt;</code>,{" "}
        <code>npm run admin -- revoke-account &lt;email&gt;</code>.
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            <th scope="col">Created (UTC)</th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id}>
              <td>{u.email}</td>
              <td>{u.role}</td>
              <td>{u.disabledAt ? `disabled ${dateTime.format(u.disabledAt)}` : "active"}</td>
              <td>{dateTime.format(u.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
