// Events over time for the current filter: one stacked bar per bucket (allowed, denied,
// failed, other), drawn as SVG from lib/audit/chart.ts. The picture is for the eye; the same
// numbers are in a table under "Counts per bucket" for a screen reader or a copy-paste.
import { stepInWords, type AuditChart, type ChartBucket } from "@/lib/audit/chart";
import { TableScroll } from "../../_components/table-scroll";

const SERIES = [
  { key: "allowed", label: "Allowed", className: "s-allowed" },
  { key: "denied", label: "Denied", className: "s-denied" },
  { key: "failed", label: "Failed", className: "s-failed" },
  { key: "other", label: "Other", className: "s-other" },
] as const;

const total = (b: ChartBucket) => b.allowed + b.denied + b.failed + b.other;
const utc = (d: Date) => d.toISOString().replace("T", " ").slice(0, 16);
const n = (v: number) => v.toLocaleString("en-US");

const W = 600;
const H = 160;

export function EventsChart({ chart }: { chart: AuditChart }) {
  const max = Math.max(1, ...chart.buckets.map(total));
  const slot = W / chart.buckets.length;
  const gap = slot > 6 ? Math.min(2, slot * 0.15) : 0;
  const sumOf = (key: (typeof SERIES)[number]["key"]) => chart.buckets.reduce((acc, b) => acc + b[key], 0);
  const sums = { allowed: sumOf("allowed"), denied: sumOf("denied"), failed: sumOf("failed"), other: sumOf("other") };
  const summary = `${n(chart.total)} entries from ${utc(chart.from)} to ${utc(chart.to)} UTC, ${stepInWords(chart.bucketMs)} per bar: ${SERIES.map((s) => `${n(sums[s.key])} ${s.label.toLowerCase()}`).join(", ")}.`;
  return (
    <figure className="card chart" data-testid="events-chart" data-total={chart.total} data-buckets={chart.buckets.length}>
      <figcaption>
        <strong>Events over time</strong> <span className="muted">· {stepInWords(chart.bucketMs)} per bar · busiest bar {n(max)}</span>
      </figcaption>
      <ul className="chart-legend">
        {SERIES.map((s) => (
          <li key={s.key} data-series={s.key}>
            <span className={`swatch ${s.className}`} aria-hidden="true" /> {s.label} <strong>{n(sums[s.key])}</strong>
          </li>
        ))}
      </ul>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={summary} className="chart-plot">
        <line x1={0} y1={H - 0.5} x2={W} y2={H - 0.5} className="axis" />
        {chart.buckets.map((b, i) => {
          let y = H;
          return (
            <g key={b.start.getTime()}>
              <title>{`${utc(b.start)} UTC: ${SERIES.map((s) => `${n(b[s.key])} ${s.label.toLowerCase()}`).join(", ")}`}</title>
              {SERIES.map((s) => {
                const h = (b[s.key] / max) * (H - 4);
                if (h <= 0) return null;
                y -= h;
                return <rect key={s.key} x={i * slot + gap / 2} y={y} width={Math.max(0.5, slot - gap)} height={h} className={s.className} />;
              })}
            </g>
          );
        })}
      </svg>
      <div className="chart-axis muted" aria-hidden="true">
        <span>{utc(chart.from)}</span>
        <span>{utc(chart.to)} UTC</span>
      </div>
      {chart.searchedFrom !== undefined && <p className="muted">Counts entries {n(chart.searchedFrom)} and newer: the reason search covers the newest entries only.</p>}
      <details>
        <summary>Counts per bucket</summary>
        <TableScroll label="Counts per bucket">
          <table>
            <thead>
              <tr>
                <th>From (UTC)</th>
                {SERIES.map((s) => (
                  <th key={s.key}>{s.label}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {chart.buckets
                .filter((b) => total(b) > 0)
                .map((b) => (
                  <tr key={b.start.getTime()}>
                    <td className="nowrap">{utc(b.start)}</td>
                    {SERIES.map((s) => (
                      <td key={s.key}>{n(b[s.key])}</td>
                    ))}
                  </tr>
                ))}
            </tbody>
          </table>
        </TableScroll>
      </details>
    </figure>
  );
}
