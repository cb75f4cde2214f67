import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config";

const tempDir = () => mkdtempSync(path.join(tmpdir(), "cfg-"));

describe("configuration", () => {
  it("defaults to SQLite in the data directory and generates development secrets once", () => {
    const dir = tempDir();
    const a = loadConfig({ DATA_DIR: dir });
    expect(a.databaseUrl).toBe(`file:${path.join(dir, "app.db")}`);
    expect(a.issuerUrl).toBe("http://localhost:3000");
    expect(a.mcpResourceUrl).toBe("http://localhost:3001/mcp");
    const b = loadConfig({ DATA_DIR: dir });
    expect(b.authSecret).toBe(a.authSecret);
    expect(a.keyEncryptionKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = JSON.parse(readFileSync(path.join(dir, "dev-secrets.json"), "utf8"));
    expect(stored.authSecret).toBe(a.authSecret);
  });

  it("refuses development defaults in production, naming what is missing", () => {
    expect(() => loadConfig({ NODE_ENV: "production", DATA_DIR: tempDir() })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: "production", DATA_DIR: tempDir() })).toThrow(/AUTH_SECRET.*KEY_ENCRYPTION_KEY/);
  });

  it("lets APP_ENV override the NODE_ENV that `next start` forces", () => {
    expect(loadConfig({ NODE_ENV: "production", APP_ENV: "development", DATA_DIR: tempDir() }).mode).toBe("development");
  });

  it("accepts a complete production configuration and strips trailing slashes", () => {
    const cfg = loadConfig({
      APP_ENV: "production",
      DATA_DIR: tempDir(),
      AUTH_SECRET: "x".repeat(40),
      KEY_ENCRYPTION_KEY: "A".repeat(43),
      MCP_CLIENT_SECRET: "y".repeat(40),
      AUDIT_HMAC_KEY: "z".repeat(40),
      ISSUER_URL: "https://auth.example.com/",
      MCP_RESOURCE_URL: "https://mcp.example.com/mcp/",
    });
    expect(cfg.issuerUrl).toBe("https://auth.example.com");
    expect(cfg.mcpResourceUrl).toBe("https://mcp.example.com/mcp");
    expect(cfg.secureCookies).toBe(true);
    expect(cfg.allowPrivateMetadataFetch).toBe(false);
  });

  it("rejects bad values with a clear message and treats empty values as unset", () => {
    expect(() => loadConfig({ PORT: "http", DATA_DIR: tempDir() })).toThrow(/PORT/);
    expect(() => loadConfig({ MESSAGING_PROVIDER: "twilio", DATA_DIR: tempDir() })).toThrow(/TWILIO_ACCOUNT_SID/);
    expect(loadConfig({ PORT: "", APP_ENV: "", DATA_DIR: tempDir() }).port).toBe(3000);
  });

  it("reads the refresh reuse leeway: 30 s by default, 0 turns it off, more than 300 s is refused", () => {
    expect(loadConfig({ DATA_DIR: tempDir() }).refreshReuseLeewaySeconds).toBe(30);
    expect(loadConfig({ REFRESH_REUSE_LEEWAY_SECONDS: "0", DATA_DIR: tempDir() }).refreshReuseLeewaySeconds).toBe(0);
    expect(() => loadConfig({ REFRESH_REUSE_LEEWAY_SECONDS: "301", DATA_DIR: tempDir() })).toThrow(/REFRESH_REUSE_LEEWAY_SECONDS/);
    expect(() => loadConfig({ REFRESH_REUSE_LEEWAY_SECONDS: "-1", DATA_DIR: tempDir() })).toThrow(/REFRESH_REUSE_LEEWAY_SECONDS/);
  });

  it("checklist 160: the audit HMAC key is required in production, generated in development, and shared through the data directory", () => {
    const production = {
      APP_ENV: "production",
      DATA_DIR: tempDir(),
      AUTH_SECRET: "x".repeat(40),
      KEY_ENCRYPTION_KEY: "A".repeat(43),
      MCP_CLIENT_SECRET: "y".repeat(40),
      ISSUER_URL: "https://auth.example.com",
      MCP_RESOURCE_URL: "https://mcp.example.com/mcp",
    };
    expect(() => loadConfig(production)).toThrow(/AUDIT_HMAC_KEY/);
    expect(() => loadConfig({ ...production, AUDIT_HMAC_KEY: "short" })).toThrow(/AUDIT_HMAC_KEY/);
    expect(loadConfig({ ...production, AUDIT_HMAC_KEY: "k".repeat(40) }).auditHmacKey).toBe("k".repeat(40));

    // Development: generated once, stored with the other secrets, the same for every process.
    const dir = tempDir();
    const a = loadConfig({ DATA_DIR: dir });
    expect(a.auditHmacKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.auditHmacKey).not.toBe(a.authSecret);
    expect(loadConfig({ DATA_DIR: dir }).auditHmacKey).toBe(a.auditHmacKey);
    expect(JSON.parse(readFileSync(path.join(dir, "dev-secrets.json"), "utf8")).auditHmacKey).toBe(a.auditHmacKey);

    // A secrets file from before the key existed: every process derives the same key from it.
    const old = tempDir();
    writeFileSync(path.join(old, "dev-secrets.json"), JSON.stringify({ authSecret: "s".repeat(43), keyEncryptionKey: "A".repeat(43), mcpClientSecret: "m".repeat(43) }));
    const derived = loadConfig({ DATA_DIR: old }).auditHmacKey;
    expect(derived).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(derived).not.toBe("s".repeat(43));
    expect(loadConfig({ DATA_DIR: old }).auditHmacKey).toBe(derived);
  });

  it("reads the delivery and retention settings, and refuses a delivery lease not longer than twice the provider timeout", () => {
    const cfg = loadConfig({ DATA_DIR: tempDir(), MESSAGING_MAX_ATTEMPTS: "4", RETENTION_TOKEN_DAYS: "2" });
    expect(cfg.delivery).toEqual({ providerTimeoutMs: 10_000, leaseMs: 60_000, maxAttempts: 4, retryBaseMs: 30_000, retryMaxMs: 3_600_000 });
    expect(cfg.retention.tokenMs).toBe(2 * 24 * 3600_000);
    expect(cfg.retention.intervalSeconds).toBe(3600);
    expect(() => loadConfig({ DATA_DIR: tempDir(), MESSAGING_PROVIDER_TIMEOUT_SECONDS: "30", MESSAGING_LEASE_SECONDS: "60" })).toThrow(/MESSAGING_LEASE_SECONDS/);
    expect(() => loadConfig({ DATA_DIR: tempDir(), MESSAGING_MAX_ATTEMPTS: "0" })).toThrow(ConfigError);
  });
});
