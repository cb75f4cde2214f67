// A grant's story drawn as a flow (lib/audit/flow.ts): one step per stage with its count and
// when it happened, a stage nobody reached greyed out, and refusals in the danger colour with
// the first one's reason. Then every entry, oldest first, refusals marked. Shared by the
// auditor's grant page and the user's /activity.
import { grantFlow } from "@/lib/audit/flow";
import type { StoredAuditRow } from "@/lib/audit/rows";

const utc = (d: Date) => d.toISOString().replace("T", " ").slice(0, 19);
const refused = (outcome: string) => outcome === "denied" || outcome === "failure";

/** `list`: also every entry as a line, oldest first (where no table of the entries follows). */
export function GrantFlow({ entries, label, list = true }: { entries: StoredAuditRow[]; label: string; list?: boolean }) {
  const steps = grantFlow(entries);
  return (
    <section aria-label={label}>
      <ol className="flow" data-testid="grant-flow">
        {steps.map((s) => (
          <li key={s.stage} className={`flow-step${s.count ? "" : " unreached"}${s.refused ? " refused" : ""}`} data-stage={s.stage} data-count={s.count} data-refused={s.refused}>
            <span className="flow-name">{s.name}</span>
            <span className="flow-count">
              {s.count === 0 ? "not reached" : `${s.count} ${s.count === 1 ? "entry" : "entries"}`}
              {s.refused > 0 && <span className="badge danger">{s.refused} refused</span>}
            </span>
            {s.first && (
              <time className="muted" dateTime={s.first.toISOString()}>
                {utc(s.first)}
              </time>
            )}
            {s.firstRefusal && (
              <span className="flow-refusal">
                {s.firstRefusal.type}
                {s.firstRefusal.reason ? `: ${s.firstRefusal.reason}` : ""}
              </span>
            )}
          </li>
        ))}
      </ol>
      {list && (
      <ol className="timeline" data-testid="grant-timeline">
        {entries.map((e) => (
          <li key={e.seq} data-type={e.type} data-outcome={e.outcome} className={refused(e.outcome) ? "refused" : undefined}>
            <time dateTime={e.time.toISOString()}>{utc(e.time)}</time> <strong>{e.type}</strong>{" "}
            <span className={`badge outcome-${e.outcome}`}>{e.outcome}</span>
            {e.reason ? ` ${e.reason}` : ""}
          </li>
        ))}
      </ol>
      )}
    </section>
  );
}
