import Link from "next/link";
import type { StoredAuditRow } from "@/lib/audit/rows";
import { TableScroll } from "../../_components/table-scroll";

const actor = (e: StoredAuditRow) => (e.actorId ? `${e.actorType}: ${e.actorId}` : e.actorType);

/** Audit entries as a table. `grantLinks`: link grant ids to their timeline (auditors only). */
export function EntriesTable({ entries, grantLinks, showUser = true }: { entries: StoredAuditRow[]; grantLinks: boolean; showUser?: boolean }) {
  if (entries.length === 0) return <p className="muted" data-testid="no-entries">No entries match.</p>;
  return (
    <TableScroll label="Audit entries">
    <table data-testid="audit-entries">
      <thead>
        <tr>
          <th>#</th>
          <th>Time (UTC)</th>
          <th>Event</th>
          <th>Outcome</th>
          <th>Actor</th>
          {showUser && <th>User</th>}
          <th>Agent</th>
          <th>Grant</th>
          <th>Reason</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((e) => (
          <tr key={e.seq} data-seq={e.seq} data-type={e.type} data-outcome={e.outcome}>
            <td>{e.seq}</td>
            <td className="nowrap">
              <time dateTime={e.time.toISOString()}>{e.time.toISOString().replace("T", " ").slice(0, 19)}</time>
            </td>
            <td>{e.type}</td>
            <td>{e.outcome}</td>
            <td>{actor(e)}</td>
            {showUser && <td>{e.subjectUserId ?? ""}</td>}
            <td>{e.clientId ?? ""}</td>
            <td>{e.grantId ? grantLinks ? <Link href={`/audit/grants/${encodeURIComponent(e.grantId)}`}>{e.grantId}</Link> : e.grantId : ""}</td>
            <td>
              {e.reason ?? ""}
              {e.details !== "{}" && (
                <details>
                  <summary className="muted">details</summary>
                  <code style={{ whiteSpace: "pre-wrap", wordBreak: "break-all" }}>{e.details}</code>
                </details>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
    </TableScroll>
  );
}
