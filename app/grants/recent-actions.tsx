// A live grant's last few actions (sent, failed, denied), linked to its whole flow on /activity.
import Link from "next/link";
import type { StoredAuditRow } from "@/lib/audit/rows";

/** The audit events a user reads as "what the agent did with this grant". */
export const ACTION_TYPES = ["message.delivered", "message.failed", "message.denied", "tool.denied"];

const WORDS: Record<string, { words: string; tone: string }> = {
  "message.delivered": { words: "Sent", tone: "ok" },
  "message.failed": { words: "Failed", tone: "danger" },
  "message.denied": { words: "Denied", tone: "danger" },
  "tool.denied": { words: "Denied", tone: "danger" },
};

const utc = (d: Date) => `${d.toISOString().replace("T", " ").slice(0, 16)} UTC`;

export function RecentActions({ grantId, actions }: { grantId: string; actions: StoredAuditRow[] }) {
  return (
    <div className="recent-actions">
      {actions.length === 0 ? (
        <p className="muted">No messages sent or refused yet.</p>
      ) : (
        <ul aria-label="Last actions" data-testid="recent-actions">
          {actions.map((a) => (
            <li key={a.seq} data-type={a.type}>
              <span className={`badge ${WORDS[a.type]?.tone ?? ""}`}>{WORDS[a.type]?.words ?? a.type}</span>{" "}
              <time dateTime={a.time.toISOString()} className="muted">
                {utc(a.time)}
              </time>
              {a.reason && a.type !== "message.delivered" ? ` ${a.reason}` : ""}
            </li>
          ))}
        </ul>
      )}
      <Link href={`/activity?grant=${encodeURIComponent(grantId)}#flow`}>Timeline →</Link>
    </div>
  );
}
