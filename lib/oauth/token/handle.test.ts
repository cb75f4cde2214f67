import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../../db/client";
import { testDatabases } from "../../../tests/harness/databases";
import { testDeps, type TestDeps } from "../../../tests/harness/test-deps";
import { OPTIONS } from "../../../app/oauth/token/route";
import { handleToken, tokenEndpointUrl } from "./handle";
import { formRequest, json, makeClient, makeCode, makeDpopKey, makeGrant, makeUser, REDIRECT_URI } from "./test-fixtures";

describe.each(testDatabases())("token endpoint, common checks, on $name", (target) => {
  let db: Db;
  let deps: TestDeps;
  let url: string;

  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());
  beforeEach(() => {
    deps = testDeps(db);
    url = tokenEndpointUrl(deps);
  });

  async function expectError(res: Response, status: number, error: string) {
    expect(res.status).toBe(status);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const body = await json(res);
    expect(body.error).toBe(error);
    return body;
  }

  it("answers password, implicit-style and unknown grant types with unsupported_grant_type (case 35)", async () => {
    const client = await makeClient(db);
    for (const grantType of ["password", "implicit", "token", "urn:example:unknown", "__proto__", "constructor"]) {
      const res = await handleToken(formRequest(url, { grant_type: grantType, client_id: client.id, username: "a", password: "b" }), deps);
      await expectError(res, 400, "unsupported_grant_type");
    }
    await expectError(await handleToken(formRequest(url, { client_id: client.id }), deps), 400, "invalid_request");
  });

  it("answers bad client authentication with 401 invalid_client (case 36)", async () => {
    const client = await makeClient(db, { secret: "correct-secret-correct-secret-correct-secret" });
    const wrong = await handleToken(formRequest(url, { grant_type: "authorization_code", code: "x" }, { basic: { id: client.id, secret: "wrong" } }), deps);
    await expectError(wrong, 401, "invalid_client");
    expect(wrong.headers.get("www-authenticate")).toMatch(/^Basic/);
    const unknown = await handleToken(formRequest(url, { grant_type: "authorization_code", code: "x", client_id: "nobody" }), deps);
    await expectError(unknown, 401, "invalid_client");
    // A confidential client cannot drop its secret and act as a public one.
    const bare = await handleToken(formRequest(url, { grant_type: "authorization_code", code: "x", client_id: client.id }), deps);
    await expectError(bare, 401, "invalid_client");
  });

  it("answers a grant type the client did not register with unauthorized_client", async () => {
    const client = await makeClient(db, { grantTypes: ["authorization_code"] });
    await expectError(await handleToken(formRequest(url, { grant_type: "refresh_token", refresh_token: "rt_x", client_id: client.id }), deps), 400, "unauthorized_client");
  });

  it("sends no-store, JSON errors without CR/LF in error_description, and no null fields (case 37)", async () => {
    const client = await makeClient(db);
    const res = await handleToken(formRequest(url, { grant_type: "evil\r\nSet-Cookie: x=1", client_id: client.id }), deps);
    const body = await expectError(res, 400, "unsupported_grant_type");
    expect(String(body.error_description)).not.toMatch(/[\r\n"\\]/);
    expect(res.headers.get("set-cookie")).toBeNull();
    const user = await makeUser(db);
    const grant = await makeGrant(deps, { userId: user, clientId: client.id, resource: deps.config.mcpResourceUrl });
    const { code, verifier } = await makeCode(deps, { grantId: grant.id, clientId: client.id, resource: deps.config.mcpResourceUrl });
    const ok = await handleToken(formRequest(url, { grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: REDIRECT_URI, client_id: client.id }), deps);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("cache-control")).toBe("no-store");
    expect(ok.headers.get("pragma")).toBe("no-cache");
    expect(await ok.text()).not.toContain("null");
  });

  it("rejects a repeated parameter and a non-form body with invalid_request", async () => {
    const client = await makeClient(db);
    const repeated = new Request(url, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: `grant_type=authorization_code&code=a&code=b&client_id=${client.id}`,
    });
    await expectError(await handleToken(repeated, deps), 400, "invalid_request");
    const jsonBody = new Request(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ grant_type: "authorization_code" }) });
    await expectError(await handleToken(jsonBody, deps), 400, "invalid_request");
    const huge = formRequest(url, { grant_type: "authorization_code", code: "x".repeat(70_000), client_id: client.id });
    await expectError(await handleToken(huge, deps), 413, "invalid_request");
  });

  it("answers other methods with 405 invalid_request, no-store", async () => {
    const res = await handleToken(new Request(url, { method: "GET" }), deps);
    await expectError(res, 405, "invalid_request");
    expect(res.headers.get("allow")).toMatch(/POST/);
  });

  it("limits token requests per client with 429 and Retry-After", async () => {
    const client = await makeClient(db);
    const send = () => handleToken(formRequest(url, { grant_type: "refresh_token", refresh_token: "rt_x", client_id: client.id }), deps, { rateLimit: { limit: 3, windowSeconds: 60 } });
    for (let i = 0; i < 3; i++) expect((await send()).status).toBe(400);
    const limited = await send();
    await expectError(limited, 429, "temporarily_unavailable");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another client is counted on its own.
    const other = await makeClient(db);
    const res = await handleToken(formRequest(url, { grant_type: "refresh_token", refresh_token: "rt_x", client_id: other.id }), deps, { rateLimit: { limit: 3, windowSeconds: 60 } });
    expect(res.status).toBe(400);
  });

  it("sends CORS headers to cross-origin callers and answers preflights", async () => {
    const client = await makeClient(db);
    const res = await handleToken(formRequest(url, { grant_type: "password", client_id: client.id }, { headers: { Origin: "https://app.example" } }), deps);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const pre = OPTIONS(new Request(url, { method: "OPTIONS", headers: { Origin: "https://app.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "dpop, content-type" } }));
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-headers")).toMatch(/DPoP/);
    expect(pre.headers.get("access-control-allow-credentials")).toBeNull();
  });

  describe("DPoP nonces at the token endpoint (case 52)", () => {
    it("asks for a nonce when nonces are required, then accepts the proof that carries it", async () => {
      const strict = testDeps(db, { dpopRequireNonce: true });
      const client = await makeClient(db);
      const user = await makeUser(db);
      const grant = await makeGrant(strict, { userId: user, clientId: client.id, resource: strict.config.mcpResourceUrl });
      const { code, verifier } = await makeCode(strict, { grantId: grant.id, clientId: client.id, resource: strict.config.mcpResourceUrl });
      const key = await makeDpopKey(strict, url);
      const params = { grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: REDIRECT_URI, client_id: client.id };
      const first = await handleToken(formRequest(url, params, { dpop: await key.proof() }), strict);
      await expectError(first, 400, "use_dpop_nonce");
      const nonce = first.headers.get("dpop-nonce");
      expect(nonce).toBeTruthy();
      // A stale nonce (from long ago) is refused the same way.
      const stale = await handleToken(formRequest(url, params, { dpop: await key.proof({ nonce: "1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }) }), strict);
      await expectError(stale, 400, "use_dpop_nonce");
      const second = await handleToken(formRequest(url, params, { dpop: await key.proof({ nonce: nonce! }) }), strict);
      expect(second.status).toBe(200);
      expect(second.headers.get("dpop-nonce")).toBeTruthy();
    });

    it("accepts proofs without a nonce when none is required, and hands one out", async () => {
      const client = await makeClient(db, { grantTypes: ["refresh_token"] });
      const key = await makeDpopKey(deps, url);
      const res = await handleToken(formRequest(url, { grant_type: "refresh_token", refresh_token: "rt_x", client_id: client.id }, { dpop: await key.proof() }), deps);
      await expectError(res, 400, "invalid_grant");
      expect(res.headers.get("dpop-nonce")).toBeTruthy();
    });

    it("requires a proof from a client registered with dpop_bound_access_tokens (RFC 9449 section 5.2)", async () => {
      const client = await makeClient(db, { grantTypes: ["refresh_token"], metadata: { dpop_bound_access_tokens: true } });
      const params = { grant_type: "refresh_token", refresh_token: "rt_x", client_id: client.id };
      await expectError(await handleToken(formRequest(url, params), deps), 400, "invalid_dpop_proof");
      const key = await makeDpopKey(deps, url);
      await expectError(await handleToken(formRequest(url, params, { dpop: await key.proof() }), deps), 400, "invalid_grant");
    });

    it("rejects a proof whose htm or htu is for another request", async () => {
      const client = await makeClient(db, { grantTypes: ["refresh_token"] });
      const key = await makeDpopKey(deps, url);
      for (const proof of [await key.proof({ htm: "GET" }), await key.proof({ htu: "https://elsewhere.example/oauth/token" })]) {
        const res = await handleToken(formRequest(url, { grant_type: "refresh_token", refresh_token: "rt_x", client_id: client.id }, { dpop: proof }), deps);
        await expectError(res, 400, "invalid_dpop_proof");
      }
    });
  });
});
