// The consent screen for every flow: authorize, CIBA and device. Security
// headers (frame-ancestors 'none', X-Frame-Options DENY, Referrer-Policy no-referrer) are set
// for /consent/:path* in next.config.ts. The decision is POSTed to ./decision.
import type { Metadata } from "next";
import Link from "next/link";
import { forbidden, notFound } from "next/navigation";
import { requireUser } from "@/app/_auth/session";
import { MAX_MESSAGES_PER_DETAIL, MAX_RECIPIENTS } from "@/lib/authorization-details";
import { loadConsentPage, type ConsentView } from "@/lib/consent/view-model";
import { appDeps } from "@/lib/deps";
import { ConsentForm } from "./consent-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Approve access · Agent Grants", referrer: "no-referrer" };

const RETRY_MESSAGES: Record<string, string> = {
  recipients: `Keep or enter 1 to ${MAX_RECIPIENTS} recipients, in international form (like +1 555 010 0123), and only ones that were asked for.`,
  max_messages: `The message limit can only be lowered, to a whole number from 1 to ${MAX_MESSAGES_PER_DETAIL.toLocaleString("en-US")}.`,
  duration: "The duration can only be shortened.",
};

const firstSeenFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" });

/** Who asks, with one badge per fact (each its own element, so they never read as one line). */
function WhoAsks({ view }: { view: ConsentView }) {
  const c = view.client;
  return (
    <section className="card who" aria-labelledby="who-heading">
      <h1 id="who-heading">
        <span data-testid="client-name">{c.name}</span> wants access to your account
      </h1>
      <ul className="badges" aria-label="About this application">
        <li>
          {c.verified ? (
            <span className="badge ok" data-testid="verified-badge">Verified application</span>
          ) : (
            <span className="badge warn" data-testid="verified-badge">Unverified application</span>
          )}
        </li>
        <li>
          {c.newlyRegistered ? (
            <span className="badge info" data-testid="first-seen-badge">Newly registered</span>
          ) : (
            <span className="badge" data-testid="first-seen-badge">
              First seen <time dateTime={c.firstSeen.toISOString()}>{firstSeenFormat.format(c.firstSeen)}</time>
            </span>
          )}
        </li>
      </ul>
      <ul className="facts">
        {!c.named && <li className="muted">This application did not give a name; it is shown by its client ID.</li>}
        {c.documentHost && (
          <li>
            Its identity is published by <strong>{c.documentHost}</strong>.
          </li>
        )}
        {view.redirectHost && (
          <li>
            If you approve, you will be sent to <strong data-testid="redirect-host">{view.redirectHost}</strong>.
          </li>
        )}
        {view.bindingMessage && (
          <li>
            The agent shows this message: <q data-testid="binding-message">{view.bindingMessage}</q>. Approve only if your agent shows the same.
          </li>
        )}
      </ul>
    </section>
  );
}

function Finished({ status, flow }: { status: string; flow: string }) {
  const outOfBand = flow !== "authorize";
  const text =
    status === "approved" || status === "consumed"
      ? outOfBand
        ? "Approved. You can return to your agent."
        : "This request was already approved."
      : status === "denied"
        ? outOfBand
          ? "Denied. The agent was told that you said no."
          : "This request was denied."
        : "This request has expired. Start again from your agent.";
  return (
    <main>
      <h1>{status === "expired" ? "Too late" : "Done"}</h1>
      <p role="status">{text}</p>
      <p>
        <Link href="/grants">See your grants</Link>
      </p>
    </main>
  );
}

export default async function ConsentPage({
  params,
  searchParams,
}: {
  params: Promise<{ requestId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { requestId } = await params;
  const query = await searchParams;
  const user = await requireUser(`/consent/${encodeURIComponent(requestId)}`);
  const state = await loadConsentPage(appDeps(), requestId, user.id);
  if (state.kind === "not_found") notFound();
  if (state.kind === "forbidden") forbidden();
  if (state.kind === "unclaimed") {
    return (
      <main>
        <h1>Enter the code first</h1>
        <p>
          This request is decided after you enter the code your agent shows, on the <Link href="/device">device page</Link>.
        </p>
      </main>
    );
  }
  if (state.kind === "finished") return <Finished status={state.status} flow={state.flow} />;
  const retry = typeof query.error === "string" ? RETRY_MESSAGES[query.error] : undefined;
  return (
    <main className="consent">
      <WhoAsks view={state.view} />
      {retry && (
        <p className="error" role="alert">
          {retry}
        </p>
      )}
      <ConsentForm view={state.view} />
    </main>
  );
}
