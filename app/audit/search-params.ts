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

/**
 * `base` with some parameters replaced (a string), added to (an array) or removed (null), as a
 * link. The cursor and the open entry are dropped unless `keepPage`: a changed filter starts at
 * the newest page.
 */
export function hrefWith(path: string, base: URLSearchParams, changes: Record<string, string | string[] | null>, { keepPage = false } = {}): string {
  const p = new URLSearchParams(base);
  if (!keepPage) for (const k of ["cursor", "entry"]) p.delete(k);
  for (const [k, v] of Object.entries(changes)) {
    p.delete(k);
    for (const item of v === null ? [] : Array.isArray(v) ? v : [v]) p.append(k, item);
  }
  const s = p.toString();
  return s ? `${path}?${s}` : path;
}

/** The entry the detail panel shows: a positive integer seq, or undefined. */
export function entryOf(p: URLSearchParams): number | undefined {
  const c = Number(p.get("entry"));
  return Number.isSafeInteger(c) && c > 0 ? c : undefined;
}
