// The client's address, for per-address limits and audit entries. This is the one place that
// derives it.
//
// Only the web server knows the socket's peer; route handlers see headers. So the server in
// front of Next.js (scripts/start/web-server.ts) derives the address once per request with
// deriveClientAddress, and stamps it in CLIENT_ADDRESS_HEADER after deleting any copy the
// client sent. Handlers read that header with clientIp.
//
// X-Forwarded-For is a list each proxy appends the address it saw to, and anyone can start
// it with whatever they like. So it counts only as far as TRUST_PROXY says: with 0 (the
// default) it is ignored and the peer is the client; with N, the N proxies nearest to us each
// appended one entry, and the client is the entry N places left of the peer. Entries further
// left were written by the client and are never read.
import { isIP } from "node:net";

export const CLIENT_ADDRESS_HEADER = "x-agent-grants-client-address";

type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const v = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(",") : v;
}

function normalize(address: string | undefined | null): string | null {
  const candidate = address?.trim().replace(/^::ffff:/i, "");
  return candidate && isIP(candidate) ? candidate.toLowerCase() : null;
}

/** The client's address from the socket's peer and X-Forwarded-For, trusting `trustProxy` hops. */
export function deriveClientAddress(peer: string | undefined | null, forwardedFor: string | string[] | undefined, trustProxy: number): string | null {
  if (trustProxy <= 0) return normalize(peer);
  const listed = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : (forwardedFor ?? ""))
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const chain = [...listed, peer ?? ""];
  // Fewer entries than trusted hops: every entry was written by a trusted proxy, take the first.
  return normalize(chain[Math.max(0, chain.length - 1 - trustProxy)]);
}

/** The address the web server derived for this request, or null when unknown. */
export function clientIp(headers: HeaderSource): string | null {
  return normalize(header(headers, CLIENT_ADDRESS_HEADER));
}

/** The key for per-address buckets: unknown addresses share one bucket. */
export function addressKey(ip: string | null): string {
  return ip ?? "unknown";
}
