// What a revocation tells the other instances (docs/deployment.md, "Revocation push"): which
// cached grant statuses are no longer true. A message can only make a cache forget, never
// make it believe something, so a forged or garbled one costs a database read and no more.

export type RevocationEvent =
  /** These grants (a revoked grant and the grants derived from it) ended. */
  | { kind: "grants"; ids: string[] }
  /** These access tokens (by jti) were revoked. */
  | { kind: "tokens"; jtis: string[] }
  /** Forget everything: a client or an account was revoked, a client's CIBA permission changed, or notifications may have been missed. */
  | { kind: "all" };

/** PostgreSQL caps a NOTIFY payload at 8000 bytes; a larger event is sent as "forget everything". */
const MAX_PAYLOAD = 7000;
const ID = /^[\w.:-]{1,200}$/;

export function encodeRevocation(event: RevocationEvent): string {
  const text = JSON.stringify(event);
  return text.length > MAX_PAYLOAD ? JSON.stringify({ kind: "all" }) : text;
}

/** Anything unreadable reads as "forget everything": the safe direction. */
export function decodeRevocation(text: string): RevocationEvent {
  try {
    const value = JSON.parse(text) as { kind?: unknown; ids?: unknown; jtis?: unknown };
    const list = (v: unknown) => (Array.isArray(v) && v.every((x) => typeof x === "string" && ID.test(x)) ? (v as string[]) : undefined);
    if (value.kind === "grants" && list(value.ids)) return { kind: "grants", ids: list(value.ids)! };
    if (value.kind === "tokens" && list(value.jtis)) return { kind: "tokens", jtis: list(value.jtis)! };
  } catch {
    // fall through
  }
  return { kind: "all" };
}
