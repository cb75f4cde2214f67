// E2E runs against the real processes (web app + MCP server via the `npm start` launcher), in
// Debian's Chromium; no browser is downloaded. One project per database provider.
import { defineConfig } from "@playwright/test";
import { e2eStacks } from "./e2e/stacks";

const stacks = e2eStacks();
const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export default defineConfig({
  testDir: "e2e",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: process.env.E2E_WORKERS ? Number(process.env.E2E_WORKERS) : 2,
  retries: 0,
  reporter: process.env.CI ? [["list"]] : [["list"]],
  outputDir: "test-results",
  use: {
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: chromium,
      // Without the background-networking flags Chromium floods the closed network.
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
  },
  projects: stacks.map((stack) => ({
    name: stack.name,
    use: { baseURL: stack.baseURL, stack },
  })),
  webServer: stacks.map((stack) => ({
    command: `node --import tsx e2e/start-stack.ts ${stack.name}`,
    // The launcher prints its banner once both processes answer their readiness checks.
    wait: { stdout: /Agent Grants is running/ },
    timeout: 300_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 10_000 },
  })),
});
