// The auditor console (docs/audit.md, "The console"): filter the trail, page through it newest first,
// follow a grant, export the current filter, verify the chain. Auditors only.
import type { Metadata } from "next";
import Link from "next/link";
import { AuditFilterError, filterToParams, parseAuditFilter, type AuditFilter } from "@/lib/audit/filter";
import { auditChart, type AuditChart } from "@/lib/audit/chart";
import { auditNames, type AuditNames } from "@/lib/audit/names";
import { auditEntry, queryAudit, type AuditPage } from "@/lib/audit/query";
import type { StoredAuditRow } from "@/lib/audit/rows";
import { requireRole } from "@/app/_auth/session";
import { appDeps } from "@/lib/deps";
import { EntriesTable, type EntryLinks } from "./_components/entries-table";
import { EntryPanel } from "./_components/entry-panel";
import { EventsChart } from "./_components/events-chart";
import { FilterChips } from "./_components/filter-chips";
import { FilterForm } from "./_components/filter-form";
import { cursorOf, entryOf, hrefWith, toSearchParams, type RawSearchParams } from "./search-params";
import { VerifyChain } from "./verify-chain";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Audit · Agent Grants" };

const PAGE_SIZE = 50;

export default async function AuditPage({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  const raw = await searchParams;
  const query = toSearchParams(raw);
  await requireRole("auditor", `/audit?${query.toString()}`);
  const deps = appDeps();
  let filter: AuditFilter | undefined;
  let error: string | undefined;
  try {
    filter = parseAuditFilter(query);
  } catch (err) {
    if (!(err instanceof AuditFilterError)) throw err;
    error = err.message;
  }
  let page: AuditPage | undefined;
  let chart: AuditChart | null = null;
  let entry: StoredAuditRow | undefined;
  let names: AuditNames = { users: new Map(), clients: new Map(), grants: new Map() };
  let ms = 0;
  let chartMs = 0;
  if (filter) {
    const started = performance.now();
    page = await queryAudit(deps.db, filter, { cursor: cursorOf(query), limit: PAGE_SIZE });
    ms = performance.now() - started;
    const chartStarted = performance.now();
    chart = await auditChart(deps.db, filter);
    chartMs = performance.now() - chartStarted;
    const seq = entryOf(query);
    entry = seq === undefined ? undefined : (page.entries.find((e) => e.seq === seq) ?? (await auditEntry(deps.db, seq)));
    // The filter's own ids get names too, for its chips.
    const named = [...page.entries, ...(entry ? [entry] : []), { subjectUserId: filter.userId ?? null, clientId: filter.clientId ?? null, grantId: filter.grantId ?? null, actorType: "system", actorId: null }];
    names = await auditNames(deps.db, named);
  }
  const filterQuery = filter ? filterToParams(filter).toString() : "";
  const sep = filterQuery ? "&" : "";
  const links: EntryLinks = {
    detail: (seq) => hrefWith("/audit", query, { entry: String(seq) }, { keepPage: true }),
    filter: (param, id) => hrefWith("/audit", query, { [param]: id }),
    grant: (id) => `/audit/grants/${encodeURIComponent(id)}`,
  };
  return (
    <main className="wide">
      <h1>Audit trail</h1>
      <p className="muted">
        Every decision the issuer, the MCP server and the messaging API made, hash-chained: newest first. Times are UTC.
      </p>
      <VerifyChain />
      <FilterForm raw={raw} />
      {filter && <FilterChips filter={filter} query={query} names={names} />}
      {error && (
        <p className="error" role="alert">
          Invalid filter: {error}
        </p>
      )}
      {filter && !chart && <p className="muted">No entries to chart.</p>}
      {chart && <EventsChart chart={chart} />}
      {page && (
        <>
          {entry ? (
            <EntryPanel entry={entry} names={names} closeHref={hrefWith("/audit", query, { entry: null }, { keepPage: true })} filterHref={links.filter!} />
          ) : (
            entryOf(query) !== undefined && <p className="error">No entry {entryOf(query)}.</p>
          )}
          <p>
            Export this filter: <a href={`/api/audit/export?format=jsonl${sep}${filterQuery}`}>JSONL</a> ·{" "}
            <a href={`/api/audit/export?format=csv${sep}${filterQuery}`}>CSV</a>
            <span className="muted" data-testid="query-ms">
              {" "}
              · page read in {ms.toFixed(1)} ms
            </span>
            <span className="muted" data-testid="chart-ms">
              , chart in {chartMs.toFixed(1)} ms
            </span>
          </p>
          <EntriesTable entries={page.entries} names={names} links={links} selected={entry?.seq} />
          {page.searchedFrom !== undefined && page.nextCursor !== null && (
            <p className="muted" data-testid="search-window">
              Searched the reasons of entries {page.searchedFrom} and newer; older entries have not been searched yet.
            </p>
          )}
          <p>
            {cursorOf(query) !== undefined && <Link href={`/audit?${filterQuery}`}>Newest</Link>}{" "}
            {page.nextCursor !== null && (
              <Link href={`/audit?${filterQuery}${sep}cursor=${page.nextCursor}`} rel="next">
                {page.searchedFrom !== undefined && page.entries.length < PAGE_SIZE ? "Search older entries →" : "Older entries →"}
              </Link>
            )}
          </p>
        </>
      )}
    </main>
  );
}
