// The consent page for an in-call extension of a live grant (docs/mcp-clients.md, "In-call
// consent"): the one entry the agent asks to add, in the server's words, next to what the grant
// already allows. The owner approves it (possibly with fewer messages) or denies it. Security
// headers for /consent/:path* are set in next.config.ts; the decision is POSTed to ./decision.
import type { Metadata } from "next";
import Link from "next/link";
import { forbidden, notFound } from "next/navigation";
import { requireUser } from "@/app/_auth/session";
import { loadExtensionPage } from "@/lib/consent/extension-view";
import { appDeps } from "@/lib/deps";
import { LocalTime } from "../../[requestId]/local-time";
import { DecisionButtons } from "@/app/_components/decision-buttons";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Extend access · Agent Grants", referrer: "no-referrer" };

const REASONS = {
  recipient_not_allowed: "It tried to send to a number your grant does not include.",
  quota_exhausted: "It has used every message your grant allows for this number.",
};

const FINISHED: Record<string, string> = {
  approved: "Approved. The agent can go on once it gets a new token.",
  denied: "Denied. Your grant is unchanged.",
  expired: "This request has expired; your grant is unchanged. The agent can ask again.",
  grant_ended: "The grant has ended, so it cannot be extended.",
};

export default async function ExtensionConsentPage({
  params,
  searchParams,
}: {
  params: Promise<{ extensionId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { extensionId } = await params;
  const query = await searchParams;
  const user = await requireUser(`/consent/extension/${encodeURIComponent(extensionId)}`);
  const state = await loadExtensionPage(appDeps(), extensionId, user.id);
  if (state.kind === "not_found") notFound();
  if (state.kind === "forbidden") forbidden();
  if (state.kind === "finished") {
    return (
      <main>
        <h1>{state.status === "approved" ? "Done" : state.status === "denied" ? "Done" : "Too late"}</h1>
        <p role="status" data-testid="extension-outcome">
          {FINISHED[state.status]}
          {state.status === "approved" && state.grantedMessages !== null && ` It may send up to ${state.grantedMessages} more message${state.grantedMessages === 1 ? "" : "s"}.`}
        </p>
        <p>
          <Link href="/grants">See your grants</Link>
        </p>
      </main>
    );
  }
  const v = state.view;
  return (
    <main className="consent">
      <section className="card who" aria-labelledby="who-heading">
        <h1 id="who-heading">
          <span data-testid="client-name">{v.agent}</span> asks for a little more
        </h1>
        <p>{REASONS[v.reason]}</p>
      </section>
      {query.error === "max_messages" && (
        <p className="error" role="alert">
          The message count can only be lowered, to a whole number from 1 to {v.maxMessages}.
        </p>
      )}
      <form method="post" action={`/consent/extension/${encodeURIComponent(v.id)}/decision`}>
        <input type="hidden" name="consent_token" value={v.consentToken} />
        <section className="card summary" aria-labelledby="ask-heading" data-testid="extension-summary">
          <h2 id="ask-heading">If you approve, the grant also allows</h2>
          <p data-testid="extension-words">
            <strong>{v.words}</strong>
          </p>
          <label htmlFor="max_messages">Messages to allow (you may lower it)</label>
          <input id="max_messages" name="max_messages" type="number" inputMode="numeric" min={1} max={v.maxMessages} step={1} defaultValue={v.maxMessages} required style={{ maxWidth: 160 }} />
        </section>
        <section className="card" aria-labelledby="current-heading" data-testid="extension-current">
          <h2 id="current-heading">What the grant allows now</h2>
          {v.bindingMessage && (
            <p>
              The original request said: <q>{v.bindingMessage}</q>
            </p>
          )}
          <ul>
            {v.current.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
          <p className="muted">
            Until <LocalTime iso={v.grantExpiresAt.toISOString()} />; this request expires at <LocalTime iso={v.expiresAt.toISOString()} />.
          </p>
        </section>
        <DecisionButtons />
      </form>
    </main>
  );
}
