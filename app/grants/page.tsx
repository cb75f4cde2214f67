// The grants dashboard: every grant the user gave, live ones first with Revoke buttons (one per
// grant, Revoke all per agent) and each entry's messages used and left, then past ones.
import type { Metadata } from "next";
import { queryAudit } from "@/lib/audit/query";
import type { StoredAuditRow } from "@/lib/audit/rows";
import { requireUser } from "@/app/_auth/session";
import { appDeps } from "@/lib/deps";
import { groupByClient, listGrantsForUser, type GrantView } from "@/lib/grants/queries";
import { limitsInWords } from "@/lib/grants/words";
import { TableScroll } from "../_components/table-scroll";
import { revokeAgentAction, revokeGrantAction } from "./actions";
import { ACTION_TYPES, RecentActions } from "./recent-actions";
import { EntryMeter, TimeLeftMeter } from "./usage-meter";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Your grants · Agent Grants" };

const VIA: Record<string, string> = {
  code: "approved in the browser",
  ciba: "approved out of band",
  device: "approved with a device code",
  exchange: "token exchange",
  client_credentials: "client credentials",
};

function ActiveGrant({ grant, now, actions }: { grant: GrantView; now: Date; actions: StoredAuditRow[] }) {
  const lines = limitsInWords(grant, { now });
  return (
    <li className="card" data-grant-id={grant.id} data-testid="grant">
      {/* limitsInWords lists the entries first, in order: each is its own budget with its own meter. */}
      {lines.map((line, i) =>
        grant.limits[i] ? (
          <div key={line} className="grant-entry">
            <div>{line}</div>
            <EntryMeter limit={grant.limits[i]} label={grant.limits.length > 1 ? `Messages left, permission ${i + 1}` : "Messages left"} />
          </div>
        ) : (
          <div key={line} className="grant-scope">
            {line}
          </div>
        ),
      )}
      <TimeLeftMeter createdAt={grant.createdAt} expiresAt={grant.expiresAt} now={now} via={VIA[grant.createdVia] ?? grant.createdVia} />
      <RecentActions grantId={grant.id} actions={actions} />
      <form action={revokeGrantAction} className="actions">
        <input type="hidden" name="grant_id" value={grant.id} />
        <button type="submit" className="danger">
          Revoke
        </button>
      </form>
    </li>
  );
}

function PastGrants({ grants, now }: { grants: GrantView[]; now: Date }) {
  if (!grants.length) return <p className="muted">No past grants.</p>;
  return (
    <TableScroll label="Past grants">
    <table>
      <thead>
        <tr>
          <th>Agent</th>
          <th>Allowed</th>
          <th>Ended</th>
        </tr>
      </thead>
      <tbody>
        {grants.map((g) => (
          <tr key={g.id} data-grant-id={g.id}>
            <td>{g.clientName || g.clientId}</td>
            <td>{limitsInWords(g, { now }).join(". ")}</td>
            <td>
              {g.status === "revoked" ? `Revoked ${(g.revokedAt ?? g.expiresAt).toLocaleString("en-US")}` : `Expired ${g.expiresAt.toLocaleString("en-US")}`}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
    </TableScroll>
  );
}

export default async function GrantsPage() {
  const user = await requireUser("/grants");
  const deps = appDeps();
  const now = deps.now();
  const { active, past } = await listGrantsForUser(deps.db, user.id, { now });
  // Each live grant's last three actions: one indexed read per grant (grantId, seq).
  const actions = new Map(
    await Promise.all(active.map(async (g) => [g.id, (await queryAudit(deps.db, { grantId: g.id, types: ACTION_TYPES }, { limit: 3 })).entries] as const)),
  );
  return (
    <main>
      <h1>Your grants</h1>
      <p className="muted">What each agent may do for you right now. Revoking takes effect at once: the agent&apos;s next call fails.</p>
      <h2>Active</h2>
      {active.length === 0 && <p className="muted">No agent has access right now.</p>}
      {groupByClient(active).map((group) => (
        <section key={group.clientId} className="agent" data-client-id={group.clientId} aria-label={group.clientName || group.clientId}>
          <div className="agent-head">
            <h3>{group.clientName || group.clientId}</h3>
            <form action={revokeAgentAction}>
              <input type="hidden" name="client_id" value={group.clientId} />
              <button type="submit" className="danger-outline">
                Revoke all
              </button>
            </form>
          </div>
          <ul className="card-list">
            {group.grants.map((g) => (
              <ActiveGrant key={g.id} grant={g} now={now} actions={actions.get(g.id) ?? []} />
            ))}
          </ul>
        </section>
      ))}
      <h2>Past</h2>
      <PastGrants grants={past} now={now} />
    </main>
  );
}
