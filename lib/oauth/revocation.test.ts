import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { testDatabases } from "../../tests/harness/databases";
import { testDeps, type TestDeps } from "../../tests/harness/test-deps";
import { OPTIONS } from "../../app/oauth/revoke/route";
import { handleIntrospection } from "./introspection";
import { handleRevocation, REVOCATION_PATH } from "./revocation";
import { INTROSPECTION_PATH } from "./introspection";
import { handleToken, tokenEndpointUrl } from "./token/handle";
import { formRequest, json, makeClient, makeCode, makeGrant, makeUser, REDIRECT_URI } from "./token/test-fixtures";

const SECRET = "rv-secret-rv-secret-rv-secret-rv-secret-rv-s";

describe.each(testDatabases())("revocation (RFC 7009) and introspection (RFC 7662) on $name", (target) => {
  let db: Db;
  let deps: TestDeps;
  let userId: string;
  let client: { id: string; secret?: string };

  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());
  beforeEach(async () => {
    deps = testDeps(db);
    userId = await makeUser(db);
    client = await makeClient(db, { secret: SECRET });
  });

  async function tokens(c: { id: string; secret?: string } = client) {
    const grant = await makeGrant(deps, { userId, clientId: c.id, resource: deps.config.mcpResourceUrl });
    const { code, verifier } = await makeCode(deps, { grantId: grant.id, clientId: c.id, resource: deps.config.mcpResourceUrl });
    const params: Record<string, string> = { grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: REDIRECT_URI };
    if (!c.secret) params.client_id = c.id;
    const res = await handleToken(formRequest(tokenEndpointUrl(deps), params, c.secret ? { basic: { id: c.id, secret: c.secret } } : {}), deps);
    const body = await json(res);
    return { grant, access: String(body.access_token), refresh: String(body.refresh_token) };
  }

  const auth = (c: { id: string; secret?: string }) => (c.secret ? { basic: { id: c.id, secret: c.secret } } : {});
  const revoke = (token: string, c: { id: string; secret?: string } = client, extra: Record<string, string> = {}) =>
    handleRevocation(formRequest(deps.config.issuerUrl + REVOCATION_PATH, { token, ...(c.secret ? {} : { client_id: c.id }), ...extra }, auth(c)), deps);
  const introspect = async (token: string, c: { id: string; secret?: string } = client, extra: Record<string, string> = {}) =>
    handleIntrospection(formRequest(deps.config.issuerUrl + INTROSPECTION_PATH, { token, ...(c.secret ? {} : { client_id: c.id }), ...extra }, auth(c)), deps);

  it("introspects a live access token with its claims, and a live refresh token", async () => {
    const { access, refresh, grant } = await tokens();
    const res = await introspect(access);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await json(res)).toMatchObject({ active: true, client_id: client.id, sub: userId, aud: deps.config.mcpResourceUrl, grant_id: grant.id, token_type: "Bearer" });
    expect(await json(await introspect(refresh, client, { token_type_hint: "refresh_token" }))).toMatchObject({ active: true, client_id: client.id, grant_id: grant.id });
  });

  it("revoking a refresh token ends its grant: every token of it turns inactive", async () => {
    const { access, refresh, grant } = await tokens();
    const res = await revoke(refresh, client, { token_type_hint: "refresh_token" });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect((await db.grant.findUniqueOrThrow({ where: { id: grant.id } })).status).toBe("revoked");
    expect(await json(await introspect(access))).toEqual({ active: false });
    expect(await json(await introspect(refresh))).toEqual({ active: false });
    const types = (await db.auditEvent.findMany({ where: { grantId: grant.id } })).map((a) => a.type);
    expect(types).toEqual(expect.arrayContaining(["grant.revoked", "token.revoked"]));
  });

  it("revoking an access token ends that token only", async () => {
    const { access, refresh, grant } = await tokens();
    expect((await revoke(access, client, { token_type_hint: "access_token" })).status).toBe(200);
    expect(await json(await introspect(access))).toEqual({ active: false });
    expect((await json(await introspect(refresh))).active).toBe(true);
    expect((await db.grant.findUniqueOrThrow({ where: { id: grant.id } })).status).toBe("active");
    const event = await db.auditEvent.findFirstOrThrow({ where: { grantId: grant.id, type: "token.revoked" } });
    expect(event.details).not.toContain(access);
    // Revoking it again is fine and changes nothing (RFC 7009 section 2.2).
    expect((await revoke(access)).status).toBe(200);
  });

  it("answers unknown and malformed tokens with 200, like revoked ones", async () => {
    expect((await revoke("rt_unknown")).status).toBe(200);
    expect((await revoke("garbage")).status).toBe(200);
    expect(await json(await introspect("garbage"))).toEqual({ active: false });
  });

  it("refuses to revoke another client's token and leaves it alive", async () => {
    const other = await makeClient(db, { secret: "ot-secret-ot-secret-ot-secret-ot-secret-ot-s" });
    const { access, refresh, grant } = await tokens(other);
    expect((await json(await revoke(refresh))).error).toBe("invalid_request");
    expect((await json(await revoke(access))).error).toBe("invalid_request");
    expect((await db.grant.findUniqueOrThrow({ where: { id: grant.id } })).status).toBe("active");
    // And introspection by a stranger says nothing.
    expect(await json(await introspect(access))).toEqual({ active: false });
    expect(await json(await introspect(refresh))).toEqual({ active: false });
  });

  it("requires client authentication for both endpoints", async () => {
    const { access } = await tokens();
    const bad = await handleRevocation(formRequest(deps.config.issuerUrl + REVOCATION_PATH, { token: access }, { basic: { id: client.id, secret: "wrong" } }), deps);
    expect(bad.status).toBe(401);
    expect((await json(bad)).error).toBe("invalid_client");
    const none = await handleIntrospection(formRequest(deps.config.issuerUrl + INTROSPECTION_PATH, { token: access }), deps);
    expect(none.status).toBe(401);
    // Public clients may revoke their own tokens but not introspect.
    const pub = await makeClient(db);
    const pubTokens = await tokens(pub);
    expect((await introspect(pubTokens.access, pub)).status).toBe(401);
    expect((await revoke(pubTokens.refresh, pub)).status).toBe(200);
  });

  it("lets the service client introspect any access token, and reports expiry", async () => {
    const service = await makeClient(db, { secret: "sv-secret-sv-secret-sv-secret-sv-secret-sv-s", kind: "service", grantTypes: ["urn:ietf:params:oauth:grant-type:token-exchange"] });
    const { access } = await tokens();
    expect((await json(await introspect(access, service))).active).toBe(true);
    deps.advance(deps.config.accessTokenTtlSeconds + 1);
    expect(await json(await introspect(access, service))).toEqual({ active: false });
  });

  it("sends CORS headers and answers preflights", async () => {
    const res = await handleRevocation(formRequest(deps.config.issuerUrl + REVOCATION_PATH, { token: "x" }, { ...auth(client), headers: { Origin: "https://app.example" } }), deps);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(OPTIONS(new Request(deps.config.issuerUrl + REVOCATION_PATH, { method: "OPTIONS", headers: { Origin: "https://app.example" } })).status).toBe(204);
  });
});
