// The sandbox outbox: every message agents sent on the signed-in user's behalf, as the
// sandbox provider "delivered" it (and, with a real provider, what was handed over). One
// conversation per recipient, oldest message first as on a phone, each message saying which
// agent sent it, under which grant, and where its delivery stands.
import type { Metadata } from "next";
import Link from "next/link";
import { formatPhone } from "@/lib/authorization-details";
import { auditNames } from "@/lib/audit/names";
import { requireUser } from "@/app/_auth/session";
import { appDeps } from "@/lib/deps";
import { listOutbox, type OutboxEntry } from "@/lib/messaging/outbox-queries";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Outbox · Agent Grants" };

const STATUS: Record<string, { words: string; tone: string }> = {
  delivered: { words: "Delivered", tone: "ok" },
  pending: { words: "Sending", tone: "info" },
  failed: { words: "Failed", tone: "danger" },
};

const utc = (d: Date) => `${d.toLocaleString("en-US", { timeZone: "UTC", dateStyle: "medium", timeStyle: "short" })} UTC`;

/** Conversations, the one with the latest message first; messages oldest first within each. */
function conversations(messages: OutboxEntry[]): { recipient: string; messages: OutboxEntry[] }[] {
  const byRecipient = new Map<string, OutboxEntry[]>();
  for (const m of messages) byRecipient.set(m.recipient, [...(byRecipient.get(m.recipient) ?? []), m]);
  return [...byRecipient.entries()].map(([recipient, list]) => ({ recipient, messages: [...list].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()) }));
}

function Message({ m, grantName }: { m: OutboxEntry; grantName: string }) {
  const status = STATUS[m.status] ?? { words: m.status, tone: "" };
  return (
    <li className={`bubble-row ${m.status}`} data-testid="outbox-message" data-message-id={m.id} data-grant-id={m.grantId}>
      <div className="bubble">
        <p className="bubble-body">{m.body}</p>
        <p className="bubble-meta">
          <span>
            Sent by <strong>{m.agent}</strong> under{" "}
            <Link href={`/activity?grant=${encodeURIComponent(m.grantId)}#flow`}>{grantName}</Link>
          </span>
          <span>
            <time dateTime={m.createdAt.toISOString()}>{utc(m.createdAt)}</time>
          </span>
        </p>
      </div>
      <p className="bubble-status" data-testid="message-status">
        <span className={`badge ${status.tone}`}>{status.words}</span>
        {m.provider !== "sandbox" && <span className="muted"> via {m.provider}</span>}
        {m.deliveredAt && m.status === "delivered" && <span className="muted"> {utc(m.deliveredAt)}</span>}
        {m.error && <span className="error"> · {m.error}</span>}
      </p>
    </li>
  );
}

export default async function OutboxPage() {
  const user = await requireUser("/outbox");
  const db = appDeps().db;
  const messages = await listOutbox(db, user.id);
  const names = await auditNames(db, messages.map((m) => ({ grantId: m.grantId, subjectUserId: null, clientId: null, actorType: "system", actorId: null })));
  return (
    <main>
      <h1>Outbox</h1>
      <p className="muted">Messages your agents sent for you, one conversation per number. In sandbox mode nothing leaves this system: this page is the phone.</p>
      {messages.length === 0 ? (
        <p className="muted">No messages yet.</p>
      ) : (
        conversations(messages).map((c) => (
          <section key={c.recipient} className="card conversation" aria-label={`Messages to ${formatPhone(c.recipient)}`} data-testid="conversation" data-recipient={c.recipient}>
            <h2 className="conversation-head">
              <span className="nowrap">{formatPhone(c.recipient)}</span>{" "}
              <span className="muted">
                {c.messages.length} {c.messages.length === 1 ? "message" : "messages"}
              </span>
            </h2>
            <ol className="bubbles">
              {c.messages.map((m) => (
                <Message key={m.id} m={m} grantName={names.grants.get(m.grantId) ?? m.grantId} />
              ))}
            </ol>
          </section>
        ))
      )}
    </main>
  );
}
