// The filter in force, one chip per URL parameter; each chip's × is a link to the same view
// without that parameter, so what the chips show is always what the URL says.
import Link from "next/link";
import type { AuditFilter } from "@/lib/audit/filter";
import type { AuditNames } from "@/lib/audit/names";
import { hrefWith } from "../search-params";

interface Chip {
  label: string;
  value: string;
  /** The parameters without this chip. */
  without: Record<string, string | string[] | null>;
}

const utc = (d: Date) => `${d.toISOString().replace("T", " ").slice(0, 19)} UTC`;

function chipsOf(f: AuditFilter, names: Pick<AuditNames, "users" | "clients" | "grants">): Chip[] {
  const chips: Chip[] = [];
  if (f.userId) chips.push({ label: "User", value: names.users.get(f.userId) ?? f.userId, without: { user: null } });
  if (f.clientId) chips.push({ label: "Agent", value: names.clients.get(f.clientId) ?? f.clientId, without: { agent: null } });
  if (f.grantId) chips.push({ label: "Grant", value: names.grants.get(f.grantId) ?? f.grantId, without: { grant: null } });
  for (const t of f.types ?? []) chips.push({ label: "Event", value: t, without: { type: (f.types ?? []).filter((x) => x !== t) } });
  if (f.outcome) chips.push({ label: "Outcome", value: f.outcome, without: { outcome: null } });
  if (f.from) chips.push({ label: "From", value: utc(f.from), without: { from: null } });
  if (f.to) chips.push({ label: "To", value: utc(f.to), without: { to: null } });
  if (f.q) chips.push({ label: "Reason contains", value: `“${f.q}”`, without: { q: null } });
  return chips;
}

export function FilterChips({ filter, query, names }: { filter: AuditFilter; query: URLSearchParams; names: Pick<AuditNames, "users" | "clients" | "grants"> }) {
  const chips = chipsOf(filter, names);
  if (!chips.length) return null;
  return (
    <div className="chips-bar">
      <ul className="chips" aria-label="Filters in force" data-testid="filter-chips">
        {chips.map((c) => (
          <li key={`${c.label}:${c.value}`} className="chip" data-chip={c.label}>
            <span>
              <span className="muted">{c.label}:</span> {c.value}
            </span>
            <Link href={hrefWith("/audit", query, c.without)} aria-label={`Remove filter ${c.label}: ${c.value}`} className="chip-remove">
              ×
            </Link>
          </li>
        ))}
      </ul>
      {chips.length > 1 && <Link href="/audit">Clear all</Link>}
    </div>
  );
}
