import { OAuthMetadataSchema } from "@modelcontextprotocol/sdk/shared/auth.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { CLIENT_ADDRESS_HEADER } from "../auth/client-ip";
import { testDatabases } from "../../tests/harness/databases";
import { testDeps, type TestDeps } from "../../tests/harness/test-deps";
import { handleRegister } from "./clients/register";
import { handleJwks, handleMetadata } from "./metadata-handler";
import { handleIntrospection, INTROSPECTION_PATH } from "./introspection";
import { handleRevocation, REVOCATION_PATH } from "./revocation";
import { handleToken, tokenEndpointUrl } from "./token/handle";
import { OPTIONS as metadataOptions } from "../../app/.well-known/oauth-authorization-server/route";
import { OPTIONS as jwksOptions } from "../../app/oauth/jwks/route";
import { OPTIONS as registerOptions } from "../../app/oauth/register/route";
import { OPTIONS as tokenOptions } from "../../app/oauth/token/route";
import { DPOP_SIGNING_ALGS } from "./dpop/proof";

const ISSUER = "http://localhost:3000";
const json = (body: unknown, headers: Record<string, string> = {}) =>
  new Request(`${ISSUER}/oauth/register`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

describe.each(testDatabases())("discovery and registration on $name", (target) => {
  let db: Db;
  let deps: TestDeps;
  beforeAll(async () => {
    db = await target.open();
    deps = testDeps(db, { issuerUrl: "https://as.example" });
  });
  afterAll(() => target.close());

  it("publishes RFC 8414 metadata with the configured issuer, S256 only, code only, no implicit or password (checklist 1)", async () => {
    const res = handleMetadata(new Request(`${ISSUER}/.well-known/oauth-authorization-server`, { headers: { host: "evil.example" } }), deps);
    const m = await res.json();
    expect(OAuthMetadataSchema.parse(m)).toBeTruthy();
    expect(m.issuer).toBe("https://as.example");
    expect(m).toMatchObject({
      authorization_endpoint: "https://as.example/oauth/authorize",
      token_endpoint: "https://as.example/oauth/token",
      jwks_uri: "https://as.example/oauth/jwks",
      registration_endpoint: "https://as.example/oauth/register",
      revocation_endpoint: "https://as.example/oauth/revoke",
      introspection_endpoint: "https://as.example/oauth/introspect",
      pushed_authorization_request_endpoint: "https://as.example/oauth/par",
      backchannel_authentication_endpoint: "https://as.example/oauth/backchannel",
      device_authorization_endpoint: "https://as.example/oauth/device_authorization",
      response_types_supported: ["code"],
      code_challenge_methods_supported: ["S256"],
      authorization_details_types_supported: ["messaging"],
      authorization_response_iss_parameter_supported: true,
      client_id_metadata_document_supported: true,
      backchannel_token_delivery_modes_supported: ["poll"],
      scopes_supported: ["messages:send", "messages:read"],
    });
    expect(m.grant_types_supported).toEqual(
      expect.arrayContaining([
        "authorization_code",
        "refresh_token",
        "client_credentials",
        "urn:ietf:params:oauth:grant-type:token-exchange",
        "urn:openid:params:grant-type:ciba",
        "urn:ietf:params:oauth:grant-type:device_code",
      ]),
    );
    expect(m.grant_types_supported).not.toContain("implicit");
    expect(m.grant_types_supported).not.toContain("password");
    expect(m.token_endpoint_auth_methods_supported).toEqual(["none", "client_secret_basic", "client_secret_post", "private_key_jwt"]);
    expect(m.dpop_signing_alg_values_supported).toContain("ES256");
    expect(JSON.stringify(m)).not.toContain("null");
    // checklist 1: the DPoP algorithms are exactly the ones the proof checker accepts, asymmetric only
    expect(m.dpop_signing_alg_values_supported).toEqual([...DPOP_SIGNING_ALGS]);
    for (const alg of m.dpop_signing_alg_values_supported) expect(alg).not.toMatch(/^(none|HS\d+)$/i);
    // checklist 1: no implicit flow (no token or id_token response type), query responses only
    for (const t of m.response_types_supported) expect(t).not.toMatch(/token/);
    expect(m.response_modes_supported).toEqual(["query"]);
  });

  it("advertises introspection for authenticated clients only (RFC 7662 section 2.1)", async () => {
    const body = await handleMetadata(new Request(`${ISSUER}/.well-known/oauth-authorization-server`), deps).json();
    expect(body.introspection_endpoint_auth_methods_supported).not.toContain("none");
    expect(body.introspection_endpoint_auth_methods_supported).toContain("client_secret_basic");
    expect(body.token_endpoint_auth_methods_supported).toContain("none");
  });

  it("sends CORS headers on metadata, JWKS, registration and the token endpoint (checklist 3)", async () => {
    const origin = { origin: "https://spa.example" };
    expect(handleMetadata(new Request(`${ISSUER}/.well-known/oauth-authorization-server`, { headers: origin }), deps).headers.get("access-control-allow-origin")).toBe("*");
    const jwks = await handleJwks(new Request(`${ISSUER}/oauth/jwks`, { headers: origin }), deps);
    expect(jwks.headers.get("access-control-allow-origin")).toBe("*");
    const reg = await handleRegister(json({ redirect_uris: ["https://a.example/cb"] }, origin), deps);
    expect(reg.headers.get("access-control-allow-origin")).toBe("*");
    // checklist 3: the token endpoint (and revocation, introspection) too, on errors as well
    const form = (url: string) =>
      new Request(url, { method: "POST", headers: { ...origin, "content-type": "application/x-www-form-urlencoded" }, body: "grant_type=password&token=x&client_id=nobody" });
    for (const res of [
      await handleToken(form(tokenEndpointUrl(deps)), deps),
      await handleRevocation(form(deps.config.issuerUrl + REVOCATION_PATH), deps),
      await handleIntrospection(form(deps.config.issuerUrl + INTROSPECTION_PATH), deps),
    ]) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      expect(res.headers.get("access-control-allow-credentials")).toBeNull();
    }
    // checklist 3: and every one of them answers a preflight from its route
    for (const [path, options] of [
      ["/.well-known/oauth-authorization-server", metadataOptions],
      ["/oauth/jwks", jwksOptions],
      ["/oauth/register", registerOptions],
      ["/oauth/token", tokenOptions],
    ] as const) {
      const pre = options(new Request(`${ISSUER}${path}`, { method: "OPTIONS", headers: { ...origin, "access-control-request-method": "POST" } }));
      expect(pre.status, path).toBe(204);
      expect(pre.headers.get("access-control-allow-origin"), path).toBe("*");
      expect(pre.headers.get("access-control-allow-credentials"), path).toBeNull();
    }
  });

  it("serves the JWKS with kid and public members only", async () => {
    const { keys } = await (await handleJwks(new Request(`${ISSUER}/oauth/jwks`), deps)).json();
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) {
      expect(k.kid).toEqual(expect.any(String));
      expect(k).not.toHaveProperty("d");
    }
  });

  it("registers a public client and answers 201 with the full metadata", async () => {
    const res = await handleRegister(
      json({ redirect_uris: ["http://127.0.0.1/cb"], client_name: "Agent", token_endpoint_auth_method: "none", grant_types: ["authorization_code", "refresh_token"] }),
      deps,
    );
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = await res.json();
    expect(body).toMatchObject({
      client_id: expect.any(String),
      redirect_uris: ["http://127.0.0.1/cb"],
      client_name: "Agent",
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
    });
    expect(body).not.toHaveProperty("client_secret");
    const audit = await db.auditEvent.findFirst({ where: { type: "client.registered", clientId: body.client_id } });
    expect(audit).not.toBeNull();
  });

  it("gives a confidential client its secret once and stores only the hash", async () => {
    const body = await (await handleRegister(json({ redirect_uris: ["https://a.example/cb"] }), deps)).json();
    expect(body).toMatchObject({ token_endpoint_auth_method: "client_secret_basic", client_secret: expect.any(String), client_secret_expires_at: 0 });
    const row = await db.client.findUniqueOrThrow({ where: { id: body.client_id } });
    expect(row.secretHash).not.toContain(body.client_secret);
    expect(JSON.stringify(await db.auditEvent.findMany())).not.toContain(body.client_secret);
  });

  it.each([
    [{ redirect_uris: ["http://a.example/cb"] }, "invalid_redirect_uri"],
    [{ redirect_uris: ["https://a.example/cb"], grant_types: ["password"] }, "invalid_client_metadata"],
  ])("answers %j with %s", async (meta, error) => {
    const res = await handleRegister(json(meta), deps);
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe(error);
  });

  it("answers bad bodies with 400, never 500", async () => {
    const bad = new Request(`${ISSUER}/oauth/register`, { method: "POST", headers: { "content-type": "application/json" }, body: "{" });
    expect((await handleRegister(bad, deps)).status).toBe(400);
    const form = new Request(`${ISSUER}/oauth/register`, { method: "POST", headers: { "content-type": "text/plain" }, body: "x" });
    expect((await handleRegister(form, deps)).status).toBe(400);
    const huge = json({ redirect_uris: ["https://a.example/cb"], client_name: "x".repeat(70_000) });
    expect((await handleRegister(huge, deps)).status).toBe(413);
  });

  it("rate-limits registration per address", async () => {
    const from = { [CLIENT_ADDRESS_HEADER]: "203.0.113.9" };
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) statuses.push((await handleRegister(json({ redirect_uris: ["https://a.example/cb"] }, from), deps)).status);
    expect(statuses.slice(0, 20).every((s) => s === 201)).toBe(true);
    expect(statuses[20]).toBe(429);
    const limited = await handleRegister(json({ redirect_uris: ["https://a.example/cb"] }, from), deps);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
    const other = await handleRegister(json({ redirect_uris: ["https://a.example/cb"] }, { [CLIENT_ADDRESS_HEADER]: "203.0.113.10" }), deps);
    expect(other.status).toBe(201);
  });
});
