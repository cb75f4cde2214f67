// The client's address for rate-limit keys and audit entries. Next.js sets X-Forwarded-For to
// the socket's address only when the request did not carry one, and a proxy in front appends
// the address it saw; so the LAST entry is the one nearest to us. A client talking to the
// server directly can still forge it, which is why sign-in also limits per account alone.
import { isIP } from "node:net";

type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const v = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(",") : v;
}

export function clientIp(headers: HeaderSource): string | null {
  const forwarded = header(headers, "x-forwarded-for");
  const last = forwarded?.split(",").map((s) => s.trim()).filter(Boolean).pop();
  const candidate = last?.replace(/^::ffff:/, "");
  return candidate && isIP(candidate) ? candidate : null;
}
