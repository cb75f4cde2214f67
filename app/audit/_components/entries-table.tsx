import Link from "next/link";
import type { AuditNames } from "@/lib/audit/names";
import type { StoredAuditRow } from "@/lib/audit/rows";
import { TableScroll } from "../../_components/table-scroll";

const time = (d: Date) => d.toISOString().replace("T", " ").slice(0, 19);

/** A name where one is known, else the id; the id stays in the title and the detail panel. */
function Named({ id, name, href }: { id: string | null; name?: string; href?: string }) {
  if (!id) return null;
  const text = name ?? id;
  return href ? (
    <Link href={href} title={id} className="named">
      {text}
    </Link>
  ) : (
    <span title={id} className="named">
      {text}
    </span>
  );
}

export interface EntryLinks {
  /** The detail panel of one entry. */
  detail?: (seq: number) => string;
  /** The console filtered on one user, agent or grant. */
  filter?: (param: "user" | "agent" | "grant", id: string) => string;
  /** A grant's timeline. */
  grant?: (grantId: string) => string;
}

/** Audit entries as a table, names beside ids. Denied and failed entries are marked. */
export function EntriesTable({
  entries,
  names,
  links = {},
  showUser = true,
  selected,
}: {
  entries: StoredAuditRow[];
  names?: AuditNames;
  links?: EntryLinks;
  showUser?: boolean;
  selected?: number;
}) {
  if (entries.length === 0) return <p className="muted" data-testid="no-entries">No entries match.</p>;
  const actorName = (e: StoredAuditRow) =>
    e.actorId ? (e.actorType === "user" ? names?.users.get(e.actorId) : e.actorType === "agent" ? names?.clients.get(e.actorId) : undefined) : undefined;
  return (
    <TableScroll label="Audit entries">
      <table data-testid="audit-entries" className="entries">
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
            <tr key={e.seq} data-seq={e.seq} data-type={e.type} data-outcome={e.outcome} className={`o-${e.outcome}${selected === e.seq ? " selected" : ""}`} aria-current={selected === e.seq ? "true" : undefined}>
              <td>
                {links.detail ? (
                  <Link href={links.detail(e.seq)} aria-label={`Details of entry ${e.seq}`} scroll={false}>
                    {e.seq}
                  </Link>
                ) : (
                  e.seq
                )}
              </td>
              <td className="nowrap">
                <time dateTime={e.time.toISOString()}>{time(e.time)}</time>
              </td>
              <td>{e.type}</td>
              <td>
                <span className={`badge outcome-${e.outcome}`}>{e.outcome}</span>
              </td>
              <td>
                {e.actorType}
                {e.actorId && ": "}
                <Named id={e.actorId} name={actorName(e)} />
              </td>
              {showUser && (
                <td>
                  <Named id={e.subjectUserId} name={e.subjectUserId ? names?.users.get(e.subjectUserId) : undefined} href={e.subjectUserId && links.filter ? links.filter("user", e.subjectUserId) : undefined} />
                </td>
              )}
              <td>
                <Named id={e.clientId} name={e.clientId ? names?.clients.get(e.clientId) : undefined} href={e.clientId && links.filter ? links.filter("agent", e.clientId) : undefined} />
              </td>
              <td>
                <Named id={e.grantId} name={e.grantId ? names?.grants.get(e.grantId) : undefined} href={e.grantId && links.grant ? links.grant(e.grantId) : undefined} />
              </td>
              <td>
                {e.reason ?? ""}
                {!links.detail && e.details !== "{}" && (
                  <details>
                    <summary className="muted">details</summary>
                    <code className="json">{e.details}</code>
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
