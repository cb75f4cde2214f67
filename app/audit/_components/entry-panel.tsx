// One entry in full: every stored field, names beside ids, its details as indented JSON, its
// place in the chain (hash and previous hash), and links to the views around it.
import Link from "next/link";
import type { AuditNames } from "@/lib/audit/names";
import type { StoredAuditRow } from "@/lib/audit/rows";

function pretty(details: string): string {
  try {
    return JSON.stringify(JSON.parse(details), null, 2);
  } catch {
    return details; // shown as stored; verification names a malformed row
  }
}

function IdRow({ label, id, name, links }: { label: string; id: string | null; name?: string; links?: { href: string; text: string }[] }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>
        {id ? (
          <>
            {name && <span className="named">{name}</span>} <code className="id">{id}</code>
            {links?.map((l) => (
              <span key={l.href}>
                {" "}
                · <Link href={l.href}>{l.text}</Link>
              </span>
            ))}
          </>
        ) : (
          <span className="muted">none</span>
        )}
      </dd>
    </>
  );
}

export function EntryPanel({ entry, names, closeHref, filterHref }: { entry: StoredAuditRow; names: AuditNames; closeHref: string; filterHref: (param: "user" | "agent" | "grant", id: string) => string }) {
  const actorName = entry.actorId ? (entry.actorType === "user" ? names.users.get(entry.actorId) : entry.actorType === "agent" ? names.clients.get(entry.actorId) : undefined) : undefined;
  return (
    <aside className={`card entry-panel o-${entry.outcome}`} aria-labelledby="entry-panel-title" data-testid="entry-panel" data-seq={entry.seq}>
      <div className="panel-head">
        <h2 id="entry-panel-title">
          Entry {entry.seq}: {entry.type}
        </h2>
        <Link href={closeHref} scroll={false} aria-label="Close the entry's details">
          Close
        </Link>
      </div>
      <dl className="facts-grid">
        <dt>Time</dt>
        <dd>
          <time dateTime={entry.time.toISOString()}>{entry.time.toISOString()}</time>
        </dd>
        <dt>Outcome</dt>
        <dd>
          <span className={`badge outcome-${entry.outcome}`}>{entry.outcome}</span>
        </dd>
        <dt>Reason</dt>
        <dd>{entry.reason ?? <span className="muted">none</span>}</dd>
        <IdRow label={`Actor (${entry.actorType})`} id={entry.actorId} name={actorName} />
        <IdRow
          label="User"
          id={entry.subjectUserId}
          name={entry.subjectUserId ? names.users.get(entry.subjectUserId) : undefined}
          links={entry.subjectUserId ? [{ href: filterHref("user", entry.subjectUserId), text: "their entries" }] : []}
        />
        <IdRow
          label="Agent"
          id={entry.clientId}
          name={entry.clientId ? names.clients.get(entry.clientId) : undefined}
          links={entry.clientId ? [{ href: filterHref("agent", entry.clientId), text: "its entries" }] : []}
        />
        <IdRow
          label="Grant"
          id={entry.grantId}
          name={entry.grantId ? names.grants.get(entry.grantId) : undefined}
          links={entry.grantId ? [{ href: `/audit/grants/${encodeURIComponent(entry.grantId)}`, text: "timeline" }] : []}
        />
        <dt>Hash</dt>
        <dd>
          <code className="id">{entry.hash}</code>
        </dd>
        <dt>Previous hash</dt>
        <dd>
          <code className="id">{entry.prevHash}</code>
        </dd>
      </dl>
      <h3>Details</h3>
      <pre className="json" role="region" tabIndex={0} aria-label="Details as JSON">
        {pretty(entry.details)}
      </pre>
    </aside>
  );
}
