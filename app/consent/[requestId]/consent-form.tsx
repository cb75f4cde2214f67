// The consent form: what is asked, the user's edits (drop recipients, lower the limit, pick
// recipients for an open request, shorten the duration), Approve and Deny. Every text that
// the client chose is rendered as text (React escapes it): checklist 26.
import { MAX_MESSAGES_PER_DETAIL, MAX_RECIPIENTS } from "@/lib/authorization-details";
import type { ConsentView, DetailView } from "@/lib/consent/view-model";
import { LocalTime } from "./local-time";

function DetailFields({ detail }: { detail: DetailView }) {
  const i = detail.index;
  return (
    <fieldset className="card" data-testid={`detail-${i}`}>
      <legend>{detail.words}</legend>
      {detail.open ? (
        <>
          <label htmlFor={`recipients_${i}`}>Recipients (the agent did not name any: choose up to {MAX_RECIPIENTS})</label>
          <textarea id={`recipients_${i}`} name={`recipients_${i}`} rows={3} required placeholder="+1 555 010 0123, one per line" />
        </>
      ) : (
        <div role="group" aria-label="Recipients">
          <p className="muted">Recipients (untick any you do not want to allow):</p>
          {detail.recipients.map((r) => (
            <label key={r.e164} className="check">
              <input type="checkbox" name={`recipients_${i}`} value={r.e164} defaultChecked /> {r.display}
            </label>
          ))}
        </div>
      )}
      <label htmlFor={`max_messages_${i}`}>{detail.maxMessages === null ? "Maximum messages (optional)" : "Maximum messages"}</label>
      <input
        id={`max_messages_${i}`}
        name={`max_messages_${i}`}
        type="number"
        min={1}
        max={detail.maxMessages ?? MAX_MESSAGES_PER_DETAIL}
        step={1}
        defaultValue={detail.maxMessages ?? undefined}
        required={detail.maxMessages !== null}
      />
    </fieldset>
  );
}

export function ConsentForm({ view }: { view: ConsentView }) {
  return (
    <form method="post" action={`/consent/${encodeURIComponent(view.requestId)}/decision`}>
      <input type="hidden" name="consent_token" value={view.consentToken} />
      <section>
        <h2>What it asks for</h2>
        <ul>
          {view.scopes.map((s) => (
            <li key={s.value}>
              {s.words} <span className="muted">({s.value})</span>
            </li>
          ))}
        </ul>
        <p className="muted">At {view.resourceName}.</p>
        {view.details.map((d) => (
          <DetailFields key={d.index} detail={d} />
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
      <p className="actions">
        <button type="submit" name="decision" value="approve" className="primary">
          Approve
        </button>{" "}
        <button type="submit" name="decision" value="deny" formNoValidate>
          Deny
        </button>
      </p>
    </form>
  );
}
