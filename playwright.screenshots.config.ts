// `npm run screenshots`: starts one SQLite stack (the same launcher as the e2e tests, on
// SCREENSHOTS_PORT or 3400), walks the main screens as a user would and writes PNGs to
// docs/images/ for the README. Nothing is asserted here that the e2e specs do not already test.
import { defineConfig } from "@playwright/test";
import base from "./playwright.config";
import { e2eStacks } from "./e2e/stacks";

process.env.E2E_PORT ??= process.env.SCREENSHOTS_PORT ?? "3400";
const stack = e2eStacks().find((s) => s.name === "sqlite")!;
// The `stack` option is the fixture e2e/fixtures.ts reads.
const project = { name: stack.name, use: { baseURL: stack.baseURL, stack } };

export default defineConfig({
  ...base,
  testDir: "scripts/screenshots",
  testMatch: "*.shots.ts",
  timeout: 300_000,
  workers: 1,
  projects: [project],
  webServer: { ...(Array.isArray(base.webServer) ? base.webServer[0] : base.webServer!), command: `node --import tsx e2e/start-stack.ts ${stack.name}`, timeout: 900_000 },
});
