// The response headers every answer of the web app carries, by path. One list for both ways a
// request is served: next.config.ts hands the rules to Next.js (its `headers()`), and the web
// server's fast path (scripts/start/fast-path.ts) applies the same rules to the machine
// endpoints it answers without Next.js. `applies` says in code what `source` says in Next.js's
// path syntax; lib/http/security-headers.test.ts checks the two agree.
export interface HeaderRule {
  /** The rule's path pattern in Next.js's syntax (next.config.ts `headers()`). */
  source: string;
  /** The same pattern as a predicate on a decoded pathname. */
  applies: (pathname: string) => boolean;
  headers: { key: string; value: string }[];
}

export const HEADER_RULES: readonly HeaderRule[] = [
  {
    // Every path, the bare root included (Next.js's strict matcher does not match "/" with "/:path*").
    source: "/:path(.*)",
    applies: () => true,
    headers: [
      { key: "X-Content-Type-Options", value: "nosniff" },
      { key: "Referrer-Policy", value: "no-referrer" },
    ],
  },
  {
    // No page of this app is ever framed: sign-in, the device page, /grants with its Revoke
    // buttons and the auditor console all invite clickjacking (RFC 9700 section 4.16) in a
    // frame. The JSON API is left out: a frame cannot act on it, and browsers do not render
    // it as a page to click on.
    source: "/:path((?!api/).*)",
    applies: (pathname) => !pathname.startsWith("/api/"),
    headers: [
      { key: "Content-Security-Policy", value: "frame-ancestors 'none'" },
      { key: "X-Frame-Options", value: "DENY" },
    ],
  },
  {
    // The consent screen also restricts base URIs and plugins, and must not leak its URL.
    source: "/consent/:path*",
    applies: (pathname) => pathname === "/consent" || pathname.startsWith("/consent/"),
    headers: [
      { key: "Content-Security-Policy", value: "frame-ancestors 'none'; base-uri 'none'; object-src 'none'" },
      { key: "X-Frame-Options", value: "DENY" },
      { key: "Referrer-Policy", value: "no-referrer" },
      { key: "Cache-Control", value: "no-store" },
    ],
  },
];

/** Next.js's form of the rules, for next.config.ts. */
export function nextHeaderRules(): { source: string; headers: { key: string; value: string }[] }[] {
  return HEADER_RULES.map(({ source, headers }) => ({ source, headers: headers.map((h) => ({ ...h })) }));
}

/**
 * The headers for a path, later rules overriding earlier ones as in Next.js. Next.js sets these
 * before the route runs, so a header the route sets itself wins; the fast path does the same.
 */
export function securityHeadersFor(pathname: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const rule of HEADER_RULES) if (rule.applies(pathname)) for (const h of rule.headers) out.set(h.key.toLowerCase(), h.value);
  return out;
}
