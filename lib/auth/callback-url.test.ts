import { describe, expect, it } from "vitest";
import { safeCallbackUrl } from "./callback-url";

const origin = "http://localhost:3000";

describe("safe callback URL", () => {
  it("keeps same-origin paths with their query", () => {
    expect(safeCallbackUrl("/grants?x=1#top", origin)).toBe("/grants?x=1#top");
    expect(safeCallbackUrl("http://localhost:3000/admin", origin)).toBe("/admin");
    expect(safeCallbackUrl("/consent/abc?step=2", origin)).toBe("/consent/abc?step=2");
  });

  it("sends every other site, scheme or trick to the home page", () => {
    for (const bad of [
      "https://evil.example/",
      "//evil.example/x",
      "/\\evil.example",
      "\\\\evil.example",
      "javascript:alert(1)",
      "http://localhost:3001/",
      "https://localhost:3000/",
      "/\t/evil.example",
      "",
      undefined,
      ["/admin"],
      "/" + "a".repeat(3000),
    ]) {
      expect(safeCallbackUrl(bad, origin)).toBe("/");
    }
  });

  it("does not loop back to the sign-in or sign-up page", () => {
    expect(safeCallbackUrl("/signin?callbackUrl=/admin", origin)).toBe("/");
    expect(safeCallbackUrl("/signup", origin)).toBe("/");
  });
});
