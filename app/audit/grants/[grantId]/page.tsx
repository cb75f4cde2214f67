// One grant's timeline, from the request that led to it to its last message.
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { grantTimeline } from "@/lib/audit/timeline";
import { requireRole } from "@/app/_auth/session";
import { appDeps } from "@/lib/deps";
import { hasInvalidCharacters } from "@/lib/http/text";
import { EntriesTable } from "../../_components/entries-table";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Grant timeline · Agent Grants" };

export default async function GrantTimelinePage({ params }: { params: Promise<{ grantId: string }> }) {
  const { grantId } = await params;
  // No grant id holds NUL or a lone surrogate, and PostgreSQL refuses such text (lib/http/text.ts);
  // checked first, since encodeURIComponent throws on a lone surrogate.
  if (hasInvalidCharacters(grantId)) notFound();
  await requireRole("auditor", `/audit/grants/${encodeURIComponent(grantId)}`);
  const deps = appDeps();
  const entries = await grantTimeline(deps.db, grantId);
  const grant = await deps.db.grant.findUnique({ where: { id: grantId }, select: { userId: true, clientId: true, status: true, createdAt: true, expiresAt: true } });
  return (
    <main className="wide">
      <p>
        <Link href="/audit">← Audit trail</Link>
      </p>
      <h1>Grant {grantId}</h1>
      {grant ? (
        <p className="muted">
          User {grant.userId} · agent {grant.clientId} · {grant.status} · created {grant.createdAt.toISOString()} · expires {grant.expiresAt.toISOString()}
        </p>
      ) : (
        <p className="muted">No grant row with this id (it may come from imported or seeded entries); showing its audit entries.</p>
      )}
      <p>
        {entries.length} entries, oldest first ·{" "}
        <a href={`/api/audit/export?format=jsonl&grant=${encodeURIComponent(grantId)}`}>export JSONL</a> ·{" "}
        <a href={`/api/audit/export?format=csv&grant=${encodeURIComponent(grantId)}`}>CSV</a>
      </p>
      <ol className="timeline" data-testid="grant-timeline" style={{ paddingLeft: 20 }}>
        {entries.map((e) => (
          <li key={e.seq} data-type={e.type}>
            <time dateTime={e.time.toISOString()}>{e.time.toISOString().replace("T", " ").slice(0, 19)}</time> <strong>{e.type}</strong> ({e.outcome})
            {e.reason ? ` — ${e.reason}` : ""}
          </li>
        ))}
      </ol>
      <h2>Entries</h2>
      <EntriesTable entries={entries} grantLinks={false} />
    </main>
  );
}
