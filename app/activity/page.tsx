// A user's own activity: every audit entry about them (subjectUserId), newest first.
import type { Metadata } from "next";
import Link from "next/link";
import { queryAudit } from "@/lib/audit/query";
import { requireUser } from "@/app/_auth/session";
import { appDeps } from "@/lib/deps";
import { EntriesTable } from "../audit/_components/entries-table";
import { cursorOf, toSearchParams, type RawSearchParams } from "../audit/search-params";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Your activity · Agent Grants" };

export default async function ActivityPage({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  const query = toSearchParams(await searchParams);
  const user = await requireUser("/activity");
  const cursor = cursorOf(query);
  const page = await queryAudit(appDeps().db, { userId: user.id }, { cursor, limit: 50 });
  return (
    <main className="wide">
      <h1>Your activity</h1>
      <p className="muted">What happened on your account and under your grants: sign-ins, consents, agents&apos; tool calls and messages. Newest first; times are UTC.</p>
      <EntriesTable entries={page.entries} grantLinks={false} showUser={false} />
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
