// The grants dashboard's bars: one entry's messages (used and left) and a grant's time left.
// Each bar is a role="meter" with its numbers in words, so a screen reader hears what the eye
// sees; the words beside it are the ones e2e/grants.spec.ts reads.
import { entryUsageInWords, type EntryLimit } from "@/lib/authorization-details";
import { timeLeftInWords } from "@/lib/grants/words";

function Bar({ label, value, max, text }: { label: string; value: number; max: number; text: string }) {
  const share = max > 0 ? Math.min(1, Math.max(0, value / max)) : 0;
  const tone = value <= 0 ? "empty" : share <= 0.25 ? "low" : "";
  return (
    <span
      className={`meter ${tone}`}
      role="meter"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={max}
      aria-valuenow={Math.max(0, Math.min(max, value))}
      aria-valuetext={text}
    >
      <span style={{ width: `${(share * 100).toFixed(1)}%` }} />
    </span>
  );
}

/** "1 used, 2 of 3 messages left" with a bar of what is left; no bar for an unlimited entry. */
export function EntryMeter({ limit, label }: { limit: EntryLimit; label: string }) {
  const words = entryUsageInWords(limit);
  const max = limit.max_messages;
  return (
    <div className="meter-row">
      {max !== undefined && limit.left !== undefined && <Bar label={label} value={limit.left} max={max} text={words} />}
      <div className="meter-caption">
        <span data-testid="uses-left">{words}</span>
        {limit.used === 0 && <span className="muted">none used yet</span>}
      </div>
    </div>
  );
}

/** Time left of the grant's whole lifetime, as a shrinking bar. */
export function TimeLeftMeter({ createdAt, expiresAt, now, via }: { createdAt: Date; expiresAt: Date; now: Date; via: string }) {
  const total = Math.max(1, Math.round((expiresAt.getTime() - createdAt.getTime()) / 1000));
  const left = Math.max(0, Math.round((expiresAt.getTime() - now.getTime()) / 1000));
  const words = timeLeftInWords(expiresAt, now);
  return (
    <div className="meter-row grant-time">
      <Bar label="Time left" value={left} max={total} text={words} />
      <div className="meter-caption">
        <span data-testid="time-left">{words}</span>
        <span className="muted">{via}</span>
      </div>
    </div>
  );
}
