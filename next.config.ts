import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Separate build folders let several checkouts or test runs build side by side.
  distDir: process.env.NEXT_DIST_DIR ?? ".next",
  poweredByHeader: false,
  reactStrictMode: true,
  // forbidden() and app/forbidden.tsx: a signed-in user without the role gets a real 403 page.
  experimental: { authInterrupts: true },
  // Native and WebAssembly modules load from node_modules at run time instead of being bundled.
  serverExternalPackages: ["better-sqlite3", "@node-rs/argon2", "@prisma/adapter-better-sqlite3", "@prisma/adapter-pg", "pg", "@prisma/schema-engine-wasm"],
  async headers() {
    return [
      {
        source: "/:path*",
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
        headers: [
          { key: "Content-Security-Policy", value: "frame-ancestors 'none'" },
          { key: "X-Frame-Options", value: "DENY" },
        ],
      },
      {
        // The consent screen also restricts base URIs and plugins, and must not leak its URL.
        source: "/consent/:path*",
        headers: [
          { key: "Content-Security-Policy", value: "frame-ancestors 'none'; base-uri 'none'; object-src 'none'" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "Referrer-Policy", value: "no-referrer" },
          { key: "Cache-Control", value: "no-store" },
        ],
      },
    ];
  },
};

export default nextConfig;
