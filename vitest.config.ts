import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["lib/**/*.test.ts", "mcp-server/**/*.test.ts", "scripts/**/*.test.ts", "tests/**/*.test.ts", "app/**/*.test.ts"],
    exclude: ["node_modules", "e2e/**", ".next/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests share one database per provider; files run one at a time.
    fileParallelism: false,
    env: { APP_ENV: "test", DATA_DIR: "tmp/test-data" },
  },
  resolve: { alias: { "@": new URL(".", import.meta.url).pathname } },
});
