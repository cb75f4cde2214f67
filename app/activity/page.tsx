// A user's own activity: one of their grants drawn as a flow (the newest, or the one picked),
// then every audit entry about them (subjectUserId), newest first.
import type { Metadata } from "next";
import Link from "next/link";
import { auditNames } from "@/lib/audit/names";
import { queryAudit } from "@/lib/audit/query";
import { ownGrantFlow } from "@/lib/audit/timeline";
import { requireUser } from "@/app/_auth/session";
import { appDeps } from "@/lib/deps";
import { GrantFlow } from "../_components/grant-flow";
import { EntriesTable } from "../audit/_components/entries-table";
import { cursorOf, toSearchParams, type RawSearchParams } from "../audit/search-params";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Your activity · Agent Grants" };

const RECENT_GRANTS = 8;

export default async function ActivityPage({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  const query = toSearchParams(await searchParams);
  const user = await requireUser("/activity");
  const db = appDeps().db;
  const cursor = cursorOf(query);
  const page = await queryAudit(db, { userId: user.id }, { cursor, limit: 50 });
  // Only the user's own grants: a grant id of someone else's is ignored, never shown.
  const { grants, picked, entries: timeline } = await ownGrantFlow(db, user.id, query.get("grant"), RECENT_GRANTS);
  const names = await auditNames(db, [...page.entries, ...grants.map((g) => ({ grantId: g.id, subjectUserId: null, clientId: null, actorType: "system", actorId: null }))]);
  // Other people's emails (an admin who changed this user's role, say) stay ids here.
  for (const id of [...names.users.keys()]) if (id !== user.id) names.users.delete(id);
  const grantName = (id: string) => names.grants.get(id) ?? id;
  return (
    <main className="wide">
      <h1>Your activity</h1>
      <p className="muted">What happened on your account and under your grants: sign-ins, consents, agents&apos; tool calls and messages. Times are UTC.</p>
      {picked && (
        <section className="card" aria-labelledby="flow-title" id="flow" data-grant-id={picked.id}>
          <h2 id="flow-title">
            {grantName(picked.id)} <span className="badge">{picked.status}</span>
          </h2>
          {grants.length > 1 && (
            <nav aria-label="Your grants" className="grant-picker">
              {grants.map((g) =>
                g.id === picked.id ? (
                  <span key={g.id} aria-current="true" className="chip">
                    {grantName(g.id)}
                  </span>
                ) : (
                  <Link key={g.id} href={`/activity?grant=${encodeURIComponent(g.id)}#flow`} className="chip">
                    {grantName(g.id)}
                  </Link>
                ),
              )}
            </nav>
          )}
          <GrantFlow entries={timeline} label="Your grant's flow" />
        </section>
      )}
      <h2>All entries</h2>
      <EntriesTable entries={page.entries} names={names} showUser={false} />
      <p>
        {cursor !== undefined && <Link href="/activity">Newest</Link>}{" "}
        {page.nextCursor !== null && (
          <Link href={`/activity?cursor=${page.nextCursor}`} rel="next">
            Older entries →
          </Link>
        )}
      </p>
    </main>
  );
}
