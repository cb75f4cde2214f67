// The consent form: what is asked, the user's edits (drop recipients, lower the limit, pick
// recipients for an open request, shorten the duration), Approve and Deny. Every text that
// the client chose is rendered as text (React escapes it): checklist 26. The field names and
// values are the POST contract of ./decision (lib/consent/form.ts): change them only there.
import { MAX_MESSAGES_PER_DETAIL, MAX_RECIPIENTS } from "@/lib/authorization-details";
import type { ConsentView, DetailView } from "@/lib/consent/view-model";
import { LocalTime } from "./local-time";
import { DecisionButtons } from "@/app/_components/decision-buttons";

/** One card per authorization-details entry: its recipients and its own message limit. */
function DetailFields({ detail, count }: { detail: DetailView; count: number }) {
  const i = detail.index;
  return (
    <fieldset className="card" data-testid={`detail-${i}`}>
      <legend>{detail.words}</legend>
      {count > 1 && <p className="muted">Permission {i + 1} of {count}: its limit counts on its own.</p>}
      {detail.open ? (
        <>
          <label htmlFor={`recipients_${i}`}>Recipients (the agent did not name any: choose up to {MAX_RECIPIENTS})</label>
          <textarea id={`recipients_${i}`} name={`recipients_${i}`} rows={3} required placeholder="+1 555 010 0123, one per line" />
        </>
      ) : (
        <fieldset className="check-rows">
          <legend className="muted">Recipients (untick any you do not want to allow)</legend>
          {detail.recipients.map((r) => (
            // The label holds only the number, so the checkbox's accessible name is the number.
            <label key={r.e164} className="check-row">
              <input type="checkbox" name={`recipients_${i}`} value={r.e164} defaultChecked />
              <span>{r.display}</span>
            </label>
          ))}
        </fieldset>
      )}
      <label htmlFor={`max_messages_${i}`}>{detail.maxMessages === null ? "Maximum messages (optional)" : "Maximum messages"}</label>
      <input
        id={`max_messages_${i}`}
        name={`max_messages_${i}`}
        type="number"
        inputMode="numeric"
        min={1}
        max={detail.maxMessages ?? MAX_MESSAGES_PER_DETAIL}
        step={1}
        defaultValue={detail.maxMessages ?? undefined}
        required={detail.maxMessages !== null}
        style={{ maxWidth: 160 }}
      />
    </fieldset>
  );
}

export function ConsentForm({ view }: { view: ConsentView }) {
  return (
    <form method="post" action={`/consent/${encodeURIComponent(view.requestId)}/decision`}>
      <input type="hidden" name="consent_token" value={view.consentToken} />
      <section className="card summary" aria-labelledby="summary-heading" data-testid="consent-summary">
        <h2 id="summary-heading">If you approve, the most it could do</h2>
        <ul>
          {view.summary.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
        <p className="muted">At {view.resourceName}. You can lower any of this below.</p>
      </section>
      <section>
        <h2>What it asks for</h2>
        <ul>
          {view.scopes.map((s) => (
            <li key={s.value}>
              {s.words} <span className="muted">({s.value})</span>
            </li>
          ))}
        </ul>
        {view.details.map((d) => (
          <DetailFields key={d.index} detail={d} count={view.details.length} />
        ))}
      </section>
      <section>
        <h2>For how long</h2>
        <label htmlFor="duration">Duration</label>
        <select id="duration" name="duration" defaultValue={view.lifetime.proposedSeconds}>
          {view.lifetime.options.map((o) => (
            <option key={o.seconds} value={o.seconds}>
              {o.words}
              {o.seconds === view.lifetime.proposedSeconds ? " (as asked)" : ""}
            </option>
          ))}
        </select>
        <p>
          As asked, access ends <LocalTime iso={view.lifetime.proposedUntil.toISOString()} />. You can revoke it at any time on the Grants page.
        </p>
      </section>
      <DecisionButtons />
    </form>
  );
}
