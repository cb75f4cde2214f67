import { AUDIT_EVENT_TYPES } from "@/lib/audit/events";
import { OUTCOMES } from "@/lib/audit/filter";

type Raw = Record<string, string | string[] | undefined>;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? "";
const many = (v: string | string[] | undefined) => (Array.isArray(v) ? v : v ? [v] : []);

/** The auditor's filter: a plain GET form, so every filtered view is a shareable URL. */
export function FilterForm({ raw }: { raw: Raw }) {
  const types = many(raw.type);
  return (
    <form method="get" action="/audit" className="card" aria-label="Filter">
      <div style={{ display: "grid", gridTemplateColumns: "repeat(auto-fill, minmax(200px, 1fr))", gap: "0 16px" }}>
        <div>
          <label htmlFor="f-user">User id</label>
          <input id="f-user" name="user" defaultValue={one(raw.user)} />
        </div>
        <div>
          <label htmlFor="f-agent">Agent (client id)</label>
          <input id="f-agent" name="agent" defaultValue={one(raw.agent)} />
        </div>
        <div>
          <label htmlFor="f-grant">Grant id</label>
          <input id="f-grant" name="grant" defaultValue={one(raw.grant)} />
        </div>
        <div>
          <label htmlFor="f-type">Event type</label>
          <select id="f-type" name="type" defaultValue={types[0] ?? ""}>
            <option value="">any</option>
            {AUDIT_EVENT_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="f-outcome">Outcome</label>
          <select id="f-outcome" name="outcome" defaultValue={one(raw.outcome)}>
            <option value="">any</option>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="f-from">From (UTC)</label>
          <input id="f-from" name="from" type="datetime-local" step="1" defaultValue={one(raw.from).replace(/Z$/, "").slice(0, 19)} />
        </div>
        <div>
          <label htmlFor="f-to">To (UTC)</label>
          <input id="f-to" name="to" type="datetime-local" step="1" defaultValue={one(raw.to).replace(/Z$/, "").slice(0, 19)} />
        </div>
        <div>
          <label htmlFor="f-q">Reason contains</label>
          <input id="f-q" name="q" defaultValue={one(raw.q)} />
        </div>
      </div>
      <p>
        <button type="submit" className="primary">
          Filter
        </button>{" "}
        <a href="/audit">Clear</a>
      </p>
    </form>
  );
}
