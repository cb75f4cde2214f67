// The web app loads the core twice in one process (the web server's fast path through Node,
// the pages through Next.js's bundle). Loading the modules again here stands for the second
// copy: both copies must read one configuration and count in one set of rate-limit buckets,
// or every budget would be doubled.
import { describe, expect, it, vi } from "vitest";

async function freshCopy() {
  vi.resetModules();
  const config = await import("./config");
  const tokenLimits = await import("./oauth/token/limits");
  const processWide = await import("./process-wide");
  return { config, tokenLimits, processWide };
}

describe("process-wide state", () => {
  it("two copies of the core share one configuration and one set of token endpoint buckets (checklist 187)", async () => {
    const a = await freshCopy();
    const b = await freshCopy();
    expect(a.config.config).not.toBe(b.config.config); // really two copies of the module
    expect(b.config.config()).toBe(a.config.config());
    expect(b.tokenLimits.tokenLimitsFor(b.config.config())).toBe(a.tokenLimits.tokenLimitsFor(a.config.config()));
  });

  it("creates a value once per name", async () => {
    const { processWide } = (await freshCopy()).processWide;
    const name = `test-${Math.random()}`;
    const first = processWide(name, () => ({}));
    expect(processWide(name, () => ({}))).toBe(first);
    expect(processWide(`${name}-other`, () => ({}))).not.toBe(first);
  });
});
