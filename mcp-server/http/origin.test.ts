import { describe, expect, it } from "vitest";
import { checkOrigin } from "./origin";

const config = { issuerUrl: "https://issuer.example", mcpResourceUrl: "https://mcp.example/mcp", mcpAllowedOrigins: ["https://inspector.example"], mode: "production" as const };
const req = (origin?: string) => new Request("https://mcp.example/mcp", { method: "POST", headers: origin ? { Origin: origin } : {} });

describe("Origin validation for the MCP endpoint", () => {
  it("allows requests without Origin (non-browser clients)", () => {
    expect(checkOrigin(req(), config)).toEqual({ ok: true, origin: null });
  });

  it("allows the issuer's, its own and configured origins", () => {
    for (const o of ["https://issuer.example", "https://mcp.example", "https://inspector.example"]) expect(checkOrigin(req(o), config)).toEqual({ ok: true, origin: o });
  });

  it("refuses other origins, the opaque origin and, in production, loopback (DNS rebinding)", () => {
    for (const o of ["https://evil.example", "null", "http://localhost:6274", "https://issuer.example.evil.com"]) expect(checkOrigin(req(o), config).ok).toBe(false);
  });

  it("allows loopback origins outside production, for local MCP clients like the Inspector", () => {
    expect(checkOrigin(req("http://localhost:6274"), { ...config, mode: "development" }).ok).toBe(true);
    expect(checkOrigin(req("http://127.0.0.1:6274"), { ...config, mode: "development" }).ok).toBe(true);
    expect(checkOrigin(req("http://localhost.evil.com"), { ...config, mode: "development" }).ok).toBe(false);
  });
});
