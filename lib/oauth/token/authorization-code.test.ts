import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../../db/client";
import { grantStatus } from "../../grants";
import { testDatabases } from "../../../tests/harness/databases";
import { testDeps, type TestDeps } from "../../../tests/harness/test-deps";
import { createMcpHandler } from "../../../mcp-server/http/app";
import { createMcpContext } from "../../../mcp-server/server";
import { mcpRuntime } from "../../mcp-ports";
import { publicJwks } from "../keys";
import { handleJwks, handleMetadata } from "../metadata-handler";
import { handleRegister } from "../clients/register";
import { handleToken, tokenEndpointUrl } from "./handle";
import { DETAILS, formRequest, json, makeClient, makeCode, makeDpopKey, makeGrant, makeUser, REDIRECT_URI } from "./test-fixtures";

describe.each(testDatabases())("token endpoint, authorization_code, on $name", (target) => {
  let db: Db;
  let deps: TestDeps;
  let userId: string;
  let clientId: string;
  let url: string;

  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());
  beforeEach(async () => {
    deps = testDeps(db);
    url = tokenEndpointUrl(deps);
    userId = await makeUser(db);
    clientId = (await makeClient(db)).id;
  });

  const resource = () => deps.config.mcpResourceUrl;

  async function codeFor(o: Partial<Parameters<typeof makeCode>[1]> = {}) {
    const grant = await makeGrant(deps, { userId, clientId, resource: resource() });
    const issued = await makeCode(deps, { grantId: grant.id, clientId, resource: resource(), ...o });
    return { grant, ...issued };
  }

  const redeem = (code: string, verifier: string | undefined, extra: Record<string, string> = {}, o: Parameters<typeof formRequest>[2] = {}) => {
    const params: Record<string, string> = { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, client_id: clientId, ...extra };
    if (verifier !== undefined) params.code_verifier = verifier;
    return handleToken(formRequest(url, params, o), deps);
  };

  async function expectError(res: Response, status: number, error: string) {
    expect(res.status).toBe(status);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = await json(res);
    expect(body.error).toBe(error);
    return body;
  }

  it("exchanges a code for an ES256 at+jwt access token for the authorized resource, and a refresh token", async () => {
    const { code, verifier, grant } = await codeFor();
    const res = await redeem(code, verifier, { resource: resource() });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = await json(res);
    expect(body).toMatchObject({ token_type: "Bearer", scope: "messages:send messages:read", authorization_details: DETAILS });
    expect(body.expires_in).toBeLessThanOrEqual(900);
    expect(String(body.refresh_token)).toMatch(/^rt_/);
    const token = String(body.access_token);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: "ES256", typ: "at+jwt" });
    const { payload } = await jwtVerify(token, createLocalJWKSet(await publicJwks(deps)), {
      algorithms: ["ES256"],
      typ: "at+jwt",
      issuer: deps.config.issuerUrl,
      audience: resource(),
      currentDate: deps.now(),
    });
    expect(payload).toMatchObject({ sub: userId, client_id: clientId, grant_id: grant.id, authorization_details: DETAILS });
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(900);
    expect(payload.cnf).toBeUndefined();
    // Refresh tokens are stored only as hashes.
    const rows = await db.refreshToken.findMany({ where: { grantId: grant.id } });
    expect(rows).toHaveLength(1);
    expect(rows[0]?.tokenHash).not.toContain(String(body.refresh_token).slice(3));
    const audit = await db.auditEvent.findMany({ where: { grantId: grant.id }, orderBy: { seq: "asc" } });
    expect(audit.map((a) => a.type)).toEqual(["code.redeemed", "token.issued"]);
    expect(JSON.stringify(audit)).not.toContain(token);
  });

  it("never issues an access token that outlives its grant", async () => {
    const grant = await makeGrant(deps, { userId, clientId, resource: resource(), expiresInSeconds: 120 });
    const { code, verifier } = await makeCode(deps, { grantId: grant.id, clientId, resource: resource() });
    const body = await json(await redeem(code, verifier));
    expect(body.expires_in).toBe(120);
    const row = await db.refreshToken.findFirstOrThrow({ where: { grantId: grant.id } });
    expect(row.expiresAt.getTime()).toBeLessThanOrEqual(grant.expiresAt.getTime());
  });

  it("answers a reused code with invalid_grant and revokes the grant and every token it produced (checklist 27)", async () => {
    const { code, verifier, grant } = await codeFor();
    const first = await json(await redeem(code, verifier));
    expect(first.access_token).toBeTruthy();
    await expectError(await redeem(code, verifier), 400, "invalid_grant");
    const [status] = await grantStatus(db, [grant.id], deps.now());
    expect(status?.status).toBe("revoked");
    expect((await db.issuedToken.findMany({ where: { grantId: grant.id } })).every((t) => t.revokedAt)).toBe(true);
    expect((await db.refreshToken.findMany({ where: { grantId: grant.id } })).every((t) => t.revokedAt)).toBe(true);
    const types = (await db.auditEvent.findMany({ where: { grantId: grant.id }, orderBy: { seq: "asc" } })).map((a) => a.type);
    expect(types).toEqual(expect.arrayContaining(["code.replayed", "grant.revoked", "token.revoked"]));
    // The first refresh token is dead too.
    const refreshed = await handleToken(formRequest(url, { grant_type: "refresh_token", refresh_token: String(first.refresh_token), client_id: clientId }), deps);
    await expectError(refreshed, 400, "invalid_grant");
  });

  /** A describe_grant tool call at the real MCP server handler, which finds the issuer's keys through its metadata and JWKS. */
  async function callMcp(token: string): Promise<{ status: number; isError: boolean; error?: unknown }> {
    const issuer = async (input: string | URL | Request) => {
      const u = String(input instanceof Request ? input.url : input);
      if (u === `${deps.config.issuerUrl}/.well-known/oauth-authorization-server`) return handleMetadata(new Request(u), deps);
      if (u === `${deps.config.issuerUrl}/oauth/jwks`) return handleJwks(new Request(u), deps);
      return new Response(null, { status: 404 });
    };
    // A fresh context per call: no grant status cached from the previous call.
    const handler = createMcpHandler(createMcpContext(mcpRuntime(deps), issuer as typeof fetch));
    const res = await handler(
      new Request(resource(), {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "describe_grant", arguments: {} } }),
      }),
    );
    const message = (await res.json()) as { result?: { isError?: boolean; structuredContent?: { error?: unknown } } };
    return { status: res.status, isError: Boolean(message.result?.isError), error: message.result?.structuredContent?.error };
  }

  it("stops the first access token working at the MCP server once its code is replayed (checklist 27)", async () => {
    const { code, verifier } = await codeFor();
    const first = await json(await redeem(code, verifier));
    const accessToken = String(first.access_token);
    expect(await callMcp(accessToken)).toMatchObject({ status: 200, isError: false });
    // checklist 27: the replay is refused, and the still-unexpired first access token is then denied.
    await expectError(await redeem(code, verifier), 400, "invalid_grant");
    const after = await callMcp(accessToken);
    expect(after.isError).toBe(true);
    expect(after.error).toBe("token_revoked");
  });

  it("checklist 152: a replay without the code's verifier or bound key is only invalid_grant, and the grant lives on", async () => {
    const key = await makeDpopKey(deps, url);
    const { code, verifier, grant } = await codeFor({ dpopJkt: key.jkt });
    const first = await json(await redeem(code, verifier, {}, { dpop: await key.proof() }));
    expect(first.token_type).toBe("DPoP");
    // Someone who saw the spent code (history, logs, Referer) but holds neither the verifier nor the key:
    await expectError(await redeem(code, undefined), 400, "invalid_grant");
    await expectError(await redeem(code, "b".repeat(43)), 400, "invalid_grant");
    await expectError(await redeem(code, "b".repeat(43), {}, { dpop: await key.proof() }), 400, "invalid_grant");
    // ... or who stole the verifier but not the DPoP key the code was bound to:
    const thief = await makeDpopKey(deps, url);
    await expectError(await redeem(code, verifier), 400, "invalid_grant");
    await expectError(await redeem(code, verifier, {}, { dpop: await thief.proof() }), 400, "invalid_grant");
    const [status] = await grantStatus(db, [grant.id], deps.now());
    expect(status?.status).toBe("active");
    expect((await db.issuedToken.findMany({ where: { grantId: grant.id } })).every((t) => !t.revokedAt)).toBe(true);
    expect(await db.auditEvent.count({ where: { grantId: grant.id, type: "code.replayed" } })).toBe(0);
    // The tokens of the first redemption still work: the refresh token rotates.
    const refreshed = await handleToken(
      formRequest(url, { grant_type: "refresh_token", refresh_token: String(first.refresh_token), client_id: clientId }, { dpop: await key.proof() }),
      deps,
    );
    expect(refreshed.status).toBe(200);
  });

  it("checklist 152: a replay that presents the verifier and the bound key revokes the grant", async () => {
    const key = await makeDpopKey(deps, url);
    const { code, verifier, grant } = await codeFor({ dpopJkt: key.jkt });
    expect((await redeem(code, verifier, {}, { dpop: await key.proof() })).status).toBe(200);
    await expectError(await redeem(code, verifier, {}, { dpop: await key.proof() }), 400, "invalid_grant");
    const [status] = await grantStatus(db, [grant.id], deps.now());
    expect(status?.status).toBe("revoked");
    expect(await db.auditEvent.count({ where: { grantId: grant.id, type: "code.replayed" } })).toBe(1);
  });

  it("lets exactly one of two concurrent redemptions succeed (checklist 28)", async () => {
    const { code, verifier } = await codeFor();
    const results = await Promise.all([redeem(code, verifier), redeem(code, verifier)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    const loser = results.find((r) => r.status === 400)!;
    expect((await json(loser)).error).toBe("invalid_grant");
  });

  it("rejects another client's code with invalid_grant and leaves the code usable (checklist 29)", async () => {
    const { code, verifier } = await codeFor();
    const other = await makeClient(db);
    const res = await handleToken(formRequest(url, { grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: REDIRECT_URI, client_id: other.id }), deps);
    await expectError(res, 400, "invalid_grant");
    expect((await redeem(code, verifier)).status).toBe(200);
  });

  it("rejects an expired code (checklist 30)", async () => {
    const { code, verifier } = await codeFor({ expiresInSeconds: 60 });
    deps.advance(61);
    await expectError(await redeem(code, verifier), 400, "invalid_grant");
  });

  it("rejects a redirect_uri that differs in any way (checklist 31)", async () => {
    const { code, verifier } = await codeFor();
    const variants = [
      `${REDIRECT_URI}/`,
      "https://AGENT.example/callback",
      "https://agent.example:443/callback",
      `${REDIRECT_URI}?x=1`,
      `${REDIRECT_URI}/more`,
      "http://agent.example/callback",
      "https://agent.example/Callback",
      "https://agent.example/other",
    ];
    for (const redirect of variants) {
      await expectError(await redeem(code, verifier, { redirect_uri: redirect }), 400, "invalid_grant");
    }
    expect((await redeem(code, verifier)).status).toBe(200);
  });

  it("accepts a missing redirect_uri only for a client with a single registered URI", async () => {
    const { code, verifier } = await codeFor();
    const res = await handleToken(formRequest(url, { grant_type: "authorization_code", code, code_verifier: verifier, client_id: clientId }), deps);
    expect(res.status).toBe(200);
    const multi = await makeClient(db, { redirectUris: [REDIRECT_URI, "https://agent.example/other"] });
    const grant = await makeGrant(deps, { userId, clientId: multi.id, resource: resource() });
    const issued = await makeCode(deps, { grantId: grant.id, clientId: multi.id, resource: resource() });
    const res2 = await handleToken(formRequest(url, { grant_type: "authorization_code", code: issued.code, code_verifier: issued.verifier, client_id: multi.id }), deps);
    await expectError(res2, 400, "invalid_request");
  });

  it("rejects a missing or wrong code_verifier with invalid_grant (checklist 32)", async () => {
    const { code } = await codeFor();
    await expectError(await redeem(code, undefined), 400, "invalid_grant");
    await expectError(await redeem(code, "a".repeat(43)), 400, "invalid_grant");
  });

  it("rejects a verifier when no challenge was stored (checklist 33)", async () => {
    const { code, verifier } = await codeFor({ challenge: "" });
    await expectError(await redeem(code, verifier), 400, "invalid_grant");
  });

  it("rejects verifiers shorter than 43, longer than 128 or with bad characters as invalid_request (checklist 34)", async () => {
    const { code } = await codeFor();
    for (const bad of ["a".repeat(42), "a".repeat(129), `${"a".repeat(42)}+`, `${"a".repeat(42)} `, `${"a".repeat(42)}/`]) {
      await expectError(await redeem(code, bad), 400, "invalid_request");
    }
  });

  it("rejects a resource other than the authorized one with invalid_target", async () => {
    const { code, verifier } = await codeFor();
    await expectError(await redeem(code, verifier, { resource: deps.config.messagingResourceUrl }), 400, "invalid_target");
  });

  it("binds the tokens to the DPoP key of the proof (cnf.jkt, token_type DPoP)", async () => {
    const { code, verifier } = await codeFor();
    const key = await makeDpopKey(deps, url);
    const res = await redeem(code, verifier, {}, { dpop: await key.proof() });
    const body = await json(res);
    expect(body.token_type).toBe("DPoP");
    const payload = JSON.parse(Buffer.from(String(body.access_token).split(".")[1]!, "base64url").toString());
    expect(payload.cnf).toEqual({ jkt: key.jkt });
    // A public client's refresh token is bound to the same key (RFC 9449 section 5).
    const row = await db.refreshToken.findFirstOrThrow({ where: { clientId } });
    expect(row.dpopJkt).toBe(key.jkt);
  });

  it("requires the key named by dpop_jkt at authorization (checklist 38)", async () => {
    const key = await makeDpopKey(deps, url);
    const other = await makeDpopKey(deps, url);
    const { code, verifier } = await codeFor({ dpopJkt: key.jkt });
    await expectError(await redeem(code, verifier), 400, "invalid_grant");
    await expectError(await redeem(code, verifier, {}, { dpop: await other.proof() }), 400, "invalid_grant");
    expect((await redeem(code, verifier, {}, { dpop: await key.proof() })).status).toBe(200);
  });

  it("rejects an invalid DPoP proof with 400 invalid_dpop_proof before touching the code (checklist 48, 50, 51)", async () => {
    const { code, verifier } = await codeFor();
    const key = await makeDpopKey(deps, url);
    // checklist 48: htu for another endpoint of the issuer.
    const wrongUri = await key.proof({ htu: `${deps.config.issuerUrl}/oauth/revoke` });
    await expectError(await redeem(code, verifier, {}, { dpop: wrongUri }), 400, "invalid_dpop_proof");
    const replayed = await key.proof();
    expect((await redeem(code, verifier, {}, { dpop: replayed })).status).toBe(200);
    const { code: code2, verifier: v2 } = await codeFor();
    // checklist 50: the same proof (same jti) a second time.
    await expectError(await redeem(code2, v2, {}, { dpop: replayed }), 400, "invalid_dpop_proof");
    // checklist 51: two DPoP headers.
    await expectError(await redeem(code2, v2, {}, { dpop: [await key.proof(), await key.proof()] }), 400, "invalid_dpop_proof");
    // None of those used up the second code.
    expect((await redeem(code2, v2, {}, { dpop: await key.proof() })).status).toBe(200);
  });

  it("checklist 155: a client that registers dpop_bound_access_tokens must send a DPoP proof with every token request", async () => {
    const register = (body: Record<string, unknown>) =>
      handleRegister(
        new Request(`${deps.config.issuerUrl}/oauth/register`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-forwarded-for": `192.0.2.${Math.floor(Math.random() * 250)}` },
          body: JSON.stringify({ redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: "none", grant_types: ["authorization_code", "refresh_token"], ...body }),
        }),
        deps,
      );
    // RFC 9449 section 5.2: the field is a boolean, kept, and answered back.
    expect(await json(await register({ dpop_bound_access_tokens: "yes" }))).toMatchObject({ error: "invalid_client_metadata" });
    const registered = await json(await register({ dpop_bound_access_tokens: true }));
    expect(registered.dpop_bound_access_tokens).toBe(true);
    const boundClient = String(registered.client_id);
    const grant = await makeGrant(deps, { userId, clientId: boundClient, resource: resource() });
    const { code, verifier } = await makeCode(deps, { grantId: grant.id, clientId: boundClient, resource: resource() });
    const params = { grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: REDIRECT_URI, client_id: boundClient };
    const bare = await handleToken(formRequest(url, params), deps);
    await expectError(bare, 400, "invalid_dpop_proof");
    const key = await makeDpopKey(deps, url);
    // The refused request burned nothing: the same code is then redeemed with a proof, DPoP-bound.
    const bound = await json(await handleToken(formRequest(url, params, { dpop: await key.proof() }), deps));
    expect(bound.token_type).toBe("DPoP");
    const refresh = { grant_type: "refresh_token", refresh_token: String(bound.refresh_token), client_id: boundClient };
    await expectError(await handleToken(formRequest(url, refresh), deps), 400, "invalid_dpop_proof");
    // A client registered without the field is not held to it.
    const plain = await json(await register({}));
    expect(plain).not.toHaveProperty("dpop_bound_access_tokens");
  });

  it("rejects a code whose grant was revoked before redemption", async () => {
    const { code, verifier, grant } = await codeFor();
    await db.grant.update({ where: { id: grant.id }, data: { status: "revoked" } });
    await expectError(await redeem(code, verifier), 400, "invalid_grant");
  });

  it("rejects an unknown code", async () => {
    await expectError(await redeem("nope", "a".repeat(43)), 400, "invalid_grant");
  });
});
