// The auditor console (docs/audit.md, "The console"): filter the trail, page through it newest first,
// follow a grant, export the current filter, verify the chain. Auditors only.
import type { Metadata } from "next";
import Link from "next/link";
import { AuditFilterError, filterToParams, parseAuditFilter, type AuditFilter } from "@/lib/audit/filter";
import { queryAudit, type AuditPage } from "@/lib/audit/query";
import { requireRole } from "@/app/_auth/session";
import { appDeps } from "@/lib/deps";
import { EntriesTable } from "./_components/entries-table";
import { FilterForm } from "./_components/filter-form";
import { cursorOf, toSearchParams, type RawSearchParams } from "./search-params";
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
  let ms = 0;
  if (filter) {
    const started = performance.now();
    page = await queryAudit(deps.db, filter, { cursor: cursorOf(query), limit: PAGE_SIZE });
    ms = performance.now() - started;
  }
  const filterQuery = filter ? filterToParams(filter).toString() : "";
  const sep = filterQuery ? "&" : "";
  return (
    <main className="wide">
      <h1>Audit trail</h1>
      <p className="muted">
        Every decision the issuer, the MCP server and the messaging API made, hash-chained: newest first. Times are UTC.
      </p>
      <VerifyChain />
      <FilterForm raw={raw} />
      {error && (
        <p className="error" role="alert">
          Invalid filter: {error}
        </p>
      )}
      {page && (
        <>
          <p>
            Export this filter: <a href={`/api/audit/export?format=jsonl${sep}${filterQuery}`}>JSONL</a> ·{" "}
            <a href={`/api/audit/export?format=csv${sep}${filterQuery}`}>CSV</a>
            <span className="muted" data-testid="query-ms">
              {" "}
              · page read in {ms.toFixed(1)} ms
            </span>
          </p>
          <EntriesTable entries={page.entries} grantLinks />
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
