// The sandbox outbox: every message agents sent on the signed-in user's behalf, as the
// sandbox provider "delivered" it (and, with a real provider, what was handed over).
import type { Metadata } from "next";
import { formatPhone } from "@/lib/authorization-details";
import { requireUser } from "@/app/_auth/session";
import { appDeps } from "@/lib/deps";
import { listOutbox } from "@/lib/messaging/outbox-queries";
import { TableScroll } from "../_components/table-scroll";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Outbox · Agent Grants" };

const STATUS_WORDS: Record<string, string> = { delivered: "Delivered", pending: "Sending", failed: "Failed" };

export default async function OutboxPage() {
  const user = await requireUser("/outbox");
  const messages = await listOutbox(appDeps().db, user.id);
  return (
    <main>
      <h1>Outbox</h1>
      <p className="muted">Messages your agents sent for you. In sandbox mode nothing leaves this system: this page is the phone.</p>
      {messages.length === 0 ? (
        <p className="muted">No messages yet.</p>
      ) : (
        <TableScroll label="Sent messages">
        <table>
          <thead>
            <tr>
              <th>To</th>
              <th>Message</th>
              <th>Agent</th>
              <th>Status</th>
              <th>Sent</th>
            </tr>
          </thead>
          <tbody>
            {messages.map((m) => (
              <tr key={m.id} data-testid="outbox-message" data-message-id={m.id} data-grant-id={m.grantId}>
                <td className="nowrap">{formatPhone(m.recipient)}</td>
                <td style={{ whiteSpace: "pre-wrap" }}>{m.body}</td>
                <td>{m.agent}</td>
                <td data-testid="message-status">
                  {STATUS_WORDS[m.status] ?? m.status}
                  {m.provider !== "sandbox" ? ` (${m.provider})` : ""}
                  {m.error ? ` · ${m.error}` : ""}
                </td>
                <td>{m.createdAt.toLocaleString("en-US", { timeZone: "UTC" })} UTC</td>
              </tr>
            ))}
          </tbody>
        </table>
        </TableScroll>
      )}
    </main>
  );
}
