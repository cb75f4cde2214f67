import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../db/client";
import { writeTransaction } from "../../db";
import { testDatabases } from "../../../tests/harness/databases";
import { testDeps, type TestDeps } from "../../../tests/harness/test-deps";
import { OAuthError } from "../errors";
import { CLIENT_ASSERTION_TYPE } from "../supported";
import { authenticateClient } from "./authenticate";
import { insertClient } from "./create";
import { ensureServiceClient } from "./service-client";
import { validateClientMetadata } from "./validate-metadata";

const TOKEN = "http://localhost:3000/oauth/token";
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;

function call(deps: TestDeps, form: Record<string, string>, headers: Record<string, string> = {}) {
  const body = new URLSearchParams(form);
  const req = new Request(TOKEN, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body });
  return authenticateClient(req, body, deps, { endpoint: "/oauth/token" });
}

async function rejection(p: Promise<unknown>): Promise<OAuthError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof OAuthError) return err;
    throw err;
  }
  throw new Error("expected a rejection");
}

describe.each(testDatabases())("client authentication on $name", (target) => {
  let db: Db;
  let deps: TestDeps;
  const secrets: Record<string, string> = {};
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;

  async function register(id: string, raw: Record<string, unknown>) {
    const metadata = validateClientMetadata({ redirect_uris: ["https://app.example/cb"], ...raw });
    const { secret } = await writeTransaction(db, (tx) => insertClient(tx, { id, kind: "dynamic", metadata, createdAt: deps.now() }, { type: "agent" }));
    if (secret) secrets[id] = secret;
  }

  beforeAll(async () => {
    db = await target.open();
    deps = testDeps(db);
    keys = await generateKeyPair("ES256");
    await register("public-1", { token_endpoint_auth_method: "none" });
    await register("basic-1", { token_endpoint_auth_method: "client_secret_basic" });
    await register("post-1", { token_endpoint_auth_method: "client_secret_post" });
    await register("jwt-1", { token_endpoint_auth_method: "private_key_jwt", jwks: { keys: [{ ...(await exportJWK(keys.publicKey)), kid: "k1" }] } });
  });
  afterAll(() => target.close());

  it("stores only a hash of the secret", async () => {
    const row = await db.client.findUniqueOrThrow({ where: { id: "basic-1" } });
    expect(row.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.secretHash).not.toBe(secrets["basic-1"]);
    expect(JSON.stringify(row)).not.toContain(secrets["basic-1"]);
  });

  it("accepts a public client by client_id alone", async () => {
    expect((await call(deps, { client_id: "public-1" })).id).toBe("public-1");
  });

  it("accepts client_secret_basic and answers a wrong secret with 401 and a Basic challenge", async () => {
    expect((await call(deps, {}, { authorization: basic("basic-1", secrets["basic-1"]) })).id).toBe("basic-1");
    const err = await rejection(call(deps, {}, { authorization: basic("basic-1", "wrong") }));
    expect(err).toMatchObject({ code: "invalid_client", status: 401 });
    expect(err.headers["WWW-Authenticate"]).toMatch(/^Basic /);
  });

  it("accepts client_secret_post, but only for a client registered with it", async () => {
    expect((await call(deps, { client_id: "post-1", client_secret: secrets["post-1"] })).id).toBe("post-1");
    expect(await rejection(call(deps, { client_id: "basic-1", client_secret: secrets["basic-1"] }))).toMatchObject({ code: "invalid_client" });
  });

  it("refuses a confidential client that sends no secret, and an unknown client", async () => {
    expect(await rejection(call(deps, { client_id: "basic-1" }))).toMatchObject({ code: "invalid_client", status: 401 });
    expect(await rejection(call(deps, { client_id: "nobody" }))).toMatchObject({ code: "invalid_client" });
  });

  it("refuses two authentication methods in one request", async () => {
    const err = await rejection(
      call(deps, { client_id: "post-1", client_secret: secrets["post-1"] }, { authorization: basic("post-1", secrets["post-1"]) }),
    );
    expect(err.code).toBe("invalid_request");
  });

  describe("private_key_jwt", () => {
    const assertion = (claims: Record<string, unknown> = {}, alg = "ES256") => {
      const now = Math.floor(deps.now().getTime() / 1000);
      return new SignJWT({ iss: "jwt-1", sub: "jwt-1", aud: TOKEN, jti: crypto.randomUUID(), iat: now, exp: now + 60, ...claims })
        .setProtectedHeader({ alg, kid: "k1" })
        .sign(keys.privateKey);
    };
    const form = (a: string) => ({ client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: a });

    it("accepts a fresh assertion addressed to the endpoint or the issuer, once", async () => {
      const a = await assertion();
      expect((await call(deps, form(a))).id).toBe("jwt-1");
      expect(await rejection(call(deps, form(a)))).toMatchObject({ code: "invalid_client", description: expect.stringMatching(/already used/) });
      expect((await call(deps, form(await assertion({ aud: deps.config.issuerUrl }))))).toMatchObject({ id: "jwt-1" });
    });

    it("rejects a wrong audience, an expired assertion, a missing jti and a foreign signature", async () => {
      expect((await rejection(call(deps, form(await assertion({ aud: "https://elsewhere.example" }))))).code).toBe("invalid_client");
      const past = Math.floor(deps.now().getTime() / 1000) - 600;
      expect((await rejection(call(deps, form(await assertion({ iat: past - 60, exp: past })))))).toMatchObject({ code: "invalid_client" });
      expect((await rejection(call(deps, form(await assertion({ jti: undefined })))))).toMatchObject({ code: "invalid_client" });
      const other = await generateKeyPair("ES256");
      const now = Math.floor(deps.now().getTime() / 1000);
      const forged = await new SignJWT({ iss: "jwt-1", sub: "jwt-1", aud: TOKEN, jti: "x", exp: now + 60 })
        .setProtectedHeader({ alg: "ES256", kid: "k1" })
        .sign(other.privateKey);
      expect((await rejection(call(deps, form(forged)))).code).toBe("invalid_client");
    });

    it("rejects an assertion whose iss is not the client_id in the form", async () => {
      expect((await rejection(call(deps, { ...form(await assertion()), client_id: "public-1" })))).toMatchObject({ code: "invalid_client" });
      expect((await rejection(call(deps, { client_assertion_type: "urn:other", client_assertion: await assertion() })))).toMatchObject({
        code: "invalid_request",
      });
    });
  });

  it("keeps the MCP server's service client in step with the configured secret", async () => {
    const first = await ensureServiceClient(deps);
    expect(first).toMatchObject({ id: deps.config.mcpClientId, kind: "service", tokenEndpointAuthMethod: "client_secret_basic" });
    expect(first.grantTypes).toEqual(["urn:ietf:params:oauth:grant-type:token-exchange"]);
    expect((await call(deps, {}, { authorization: basic(deps.config.mcpClientId, deps.config.mcpClientSecret) })).kind).toBe("service");
    const rotated = { ...deps, config: { ...deps.config, mcpClientSecret: "x".repeat(40) } };
    await ensureServiceClient(rotated);
    expect(await rejection(call(deps, {}, { authorization: basic(deps.config.mcpClientId, deps.config.mcpClientSecret) }))).toMatchObject({
      code: "invalid_client",
    });
    expect((await call(deps, {}, { authorization: basic(deps.config.mcpClientId, "x".repeat(40)) })).id).toBe(deps.config.mcpClientId);
  });
});
