// Each rule's predicate (used by the web server's fast path) agrees with Next.js's own matcher on
// the rule's `source` (used for every page), over the app's kinds of paths, and the headers for
// a path are those Next.js would send.
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { HEADER_RULES, nextHeaderRules, securityHeadersFor } from "./security-headers";

// Next.js's matcher for custom routes (headers, redirects, rewrites); internal, so tests only.
const { getPathMatch } = createRequire(import.meta.url)("next/dist/shared/lib/router/utils/path-match") as {
  getPathMatch: (source: string, options: { strict?: boolean; removeUnnamedParams?: boolean }) => (pathname: string) => unknown;
};

const PATHS = [
  "/",
  "/oauth/token",
  "/oauth/introspect",
  "/oauth/revoke",
  "/oauth/jwks",
  "/oauth/authorize",
  "/.well-known/oauth-authorization-server",
  "/.well-known/oauth-protected-resource/api/messages",
  "/api/messages",
  "/api/messages/abc",
  "/api",
  "/apis",
  "/consent",
  "/consent/abc",
  "/consent/abc/decision",
  "/consented",
  "/grants",
  "/audit",
];

describe("security header rules", () => {
  it.each(PATHS)("%s: each predicate agrees with Next.js's matcher (checklist 190)", (path) => {
    for (const rule of HEADER_RULES) {
      const next = getPathMatch(rule.source, { strict: true, removeUnnamedParams: true })(path);
      expect({ source: rule.source, applies: rule.applies(path) }).toEqual({ source: rule.source, applies: next !== false });
    }
  });

  it("every path gets nosniff and no-referrer, the bare root page included (checklist 190)", () => {
    for (const path of PATHS) {
      const matched = HEADER_RULES.filter((rule) => getPathMatch(rule.source, { strict: true, removeUnnamedParams: true })(path) !== false);
      const keys = matched.flatMap((rule) => rule.headers.map((h) => h.key));
      expect(keys, path).toEqual(expect.arrayContaining(["X-Content-Type-Options", "Referrer-Policy"]));
    }
  });

  it("later rules override earlier ones, as in Next.js", () => {
    expect(Object.fromEntries(securityHeadersFor("/oauth/token"))).toEqual({
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "content-security-policy": "frame-ancestors 'none'",
      "x-frame-options": "DENY",
    });
    expect(Object.fromEntries(securityHeadersFor("/api/messages"))).toEqual({ "x-content-type-options": "nosniff", "referrer-policy": "no-referrer" });
    expect(securityHeadersFor("/consent/x").get("content-security-policy")).toBe("frame-ancestors 'none'; base-uri 'none'; object-src 'none'");
    expect(securityHeadersFor("/consent/x").get("cache-control")).toBe("no-store");
  });

  it("Next.js gets the same rules", () => {
    expect(nextHeaderRules().map((r) => r.source)).toEqual(HEADER_RULES.map((r) => r.source));
  });
});
