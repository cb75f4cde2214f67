import type { NextConfig } from "next";
import { nextHeaderRules } from "./lib/http/security-headers";

const nextConfig: NextConfig = {
  // Separate build folders let several checkouts or test runs build side by side.
  distDir: process.env.NEXT_DIST_DIR ?? ".next",
  poweredByHeader: false,
  reactStrictMode: true,
  // forbidden() and app/forbidden.tsx: a signed-in user without the role gets a real 403 page.
  experimental: { authInterrupts: true },
  // Native and WebAssembly modules load from node_modules at run time instead of being bundled.
  serverExternalPackages: ["better-sqlite3", "@node-rs/argon2", "@prisma/adapter-better-sqlite3", "@prisma/adapter-pg", "pg", "@prisma/schema-engine-wasm"],
  // The same rules the web server's fast path applies (lib/http/security-headers.ts).
  async headers() {
    return nextHeaderRules();
  },
};

export default nextConfig;
