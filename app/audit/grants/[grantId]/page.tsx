// One grant's timeline, from the request that led to it to its last message.
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { auditNames } from "@/lib/audit/names";
import { grantTimeline } from "@/lib/audit/timeline";
import { requireRole } from "@/app/_auth/session";
import { appDeps } from "@/lib/deps";
import { hasInvalidCharacters } from "@/lib/http/text";
import { GrantFlow } from "../../../_components/grant-flow";
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
  const names = await auditNames(deps.db, [...entries, { subjectUserId: grant?.userId ?? null, clientId: grant?.clientId ?? null, grantId, actorType: "system", actorId: null }]);
  return (
    <main className="wide">
      <p>
        <Link href="/audit">← Audit trail</Link>
      </p>
      <h1>{names.grants.get(grantId) ?? "Grant"}</h1>
      <p className="muted">
        <code className="id">{grantId}</code>
      </p>
      {grant ? (
        <p className="muted">
          User {names.users.get(grant.userId) ?? grant.userId} (<code className="id">{grant.userId}</code>) · agent {names.clients.get(grant.clientId) ?? grant.clientId} (
          <code className="id">{grant.clientId}</code>) · {grant.status} · created {grant.createdAt.toISOString()} · expires {grant.expiresAt.toISOString()}
        </p>
      ) : (
        <p className="muted">No grant row with this id (it may come from imported or seeded entries); showing its audit entries.</p>
      )}
      <p>
        {entries.length} entries, oldest first ·{" "}
        <a href={`/api/audit/export?format=jsonl&grant=${encodeURIComponent(grantId)}`}>export JSONL</a> ·{" "}
        <a href={`/api/audit/export?format=csv&grant=${encodeURIComponent(grantId)}`}>CSV</a>
      </p>
      <h2>Flow</h2>
      <GrantFlow entries={entries} label="The grant's flow" list={false} />
      <h2>Entries</h2>
      <EntriesTable
        entries={entries}
        names={names}
        links={{ detail: (seq) => `/audit?grant=${encodeURIComponent(grantId)}&entry=${seq}`, filter: (param, id) => `/audit?${param}=${encodeURIComponent(id)}` }}
      />
    </main>
  );
}
