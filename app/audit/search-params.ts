// Next.js hands pages their query as a record; the audit modules read URLSearchParams.
export type RawSearchParams = Record<string, string | string[] | undefined>;

export function toSearchParams(raw: RawSearchParams): URLSearchParams {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(raw)) for (const item of Array.isArray(v) ? v : v === undefined ? [] : [v]) p.append(k, item);
  return p;
}

/** A keyset cursor from the query: a positive integer, or undefined (first page). */
export function cursorOf(p: URLSearchParams): number | undefined {
  const c = Number(p.get("cursor"));
  return Number.isSafeInteger(c) && c > 0 ? c : undefined;
}
