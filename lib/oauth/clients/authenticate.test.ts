import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
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
  return authenticateClient(req, body, deps);
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
  const secretOf = (id: string) => secrets[id] ?? expect.fail(`no secret registered for ${id}`);
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
    expect(row.secretHash).not.toBe(secretOf("basic-1"));
    expect(JSON.stringify(row)).not.toContain(secretOf("basic-1"));
  });

  it("accepts a public client by client_id alone", async () => {
    expect((await call(deps, { client_id: "public-1" })).id).toBe("public-1");
  });

  it("accepts client_secret_basic and answers a wrong secret with 401 and a Basic challenge", async () => {
    expect((await call(deps, {}, { authorization: basic("basic-1", secretOf("basic-1")) })).id).toBe("basic-1");
    const err = await rejection(call(deps, {}, { authorization: basic("basic-1", "wrong") }));
    expect(err).toMatchObject({ code: "invalid_client", status: 401 });
    expect(err.headers["WWW-Authenticate"]).toMatch(/^Basic /);
  });

  it("accepts client_secret_post, but only for a client registered with it", async () => {
    expect((await call(deps, { client_id: "post-1", client_secret: secretOf("post-1") })).id).toBe("post-1");
    expect(await rejection(call(deps, { client_id: "basic-1", client_secret: secretOf("basic-1") }))).toMatchObject({ code: "invalid_client" });
  });

  it("refuses a confidential client that sends no secret, and an unknown client", async () => {
    expect(await rejection(call(deps, { client_id: "basic-1" }))).toMatchObject({ code: "invalid_client", status: 401 });
    expect(await rejection(call(deps, { client_id: "nobody" }))).toMatchObject({ code: "invalid_client" });
  });

  it("refuses two authentication methods in one request", async () => {
    const err = await rejection(
      call(deps, { client_id: "post-1", client_secret: secretOf("post-1") }, { authorization: basic("post-1", secretOf("post-1")) }),
    );
    expect(err.code).toBe("invalid_request");
  });

  describe("private_key_jwt", () => {
    const assertion = (claims: Record<string, unknown> = {}, alg = "ES256") => {
      const now = Math.floor(deps.now().getTime() / 1000);
      return new SignJWT({ iss: "jwt-1", sub: "jwt-1", aud: deps.config.issuerUrl, jti: crypto.randomUUID(), iat: now, exp: now + 60, ...claims })
        .setProtectedHeader({ alg, kid: "k1" })
        .sign(keys.privateKey);
    };
    const form = (a: string) => ({ client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: a });

    it("accepts a fresh assertion addressed to the issuer identifier, once", async () => {
      const a = await assertion();
      expect((await call(deps, form(a))).id).toBe("jwt-1");
      expect(await rejection(call(deps, form(a)))).toMatchObject({ code: "invalid_client", description: expect.stringMatching(/already used/) });
    });

    it("checklist 150: refuses an assertion whose aud is the token endpoint, another endpoint, or not the issuer as a single string", async () => {
      const issuer = deps.config.issuerUrl;
      for (const aud of [TOKEN, `${issuer}/oauth/revoke`, `${issuer}/oauth/introspect`, `${issuer}/`, [issuer], [issuer, TOKEN], "https://elsewhere.example"]) {
        const err = await rejection(call(deps, form(await assertion({ aud }))));
        expect(err, JSON.stringify(aud)).toMatchObject({ code: "invalid_client", status: 401 });
      }
      // The same assertion with the issuer as aud still authenticates: only aud made the difference.
      expect((await call(deps, form(await assertion({ aud: issuer }))))).toMatchObject({ id: "jwt-1" });
    });

    it("rejects a wrong audience, an expired assertion, a missing jti and a foreign signature", async () => {
      expect((await rejection(call(deps, form(await assertion({ aud: "https://elsewhere.example" }))))).code).toBe("invalid_client");
      const past = Math.floor(deps.now().getTime() / 1000) - 600;
      expect((await rejection(call(deps, form(await assertion({ iat: past - 60, exp: past })))))).toMatchObject({ code: "invalid_client" });
      expect((await rejection(call(deps, form(await assertion({ jti: undefined })))))).toMatchObject({ code: "invalid_client" });
      const other = await generateKeyPair("ES256");
      const now = Math.floor(deps.now().getTime() / 1000);
      const forged = await new SignJWT({ iss: "jwt-1", sub: "jwt-1", aud: deps.config.issuerUrl, jti: "x", exp: now + 60 })
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

  describe("private_key_jwt with keys at a jwks_uri", () => {
    let server: Server;
    let served: unknown = { keys: [] };
    let fetches = 0;
    beforeAll(async () => {
      server = createServer((_req, res) => {
        fetches++;
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(served));
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      await register(`uri-${target.name}`, {
        token_endpoint_auth_method: "private_key_jwt",
        jwks_uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks-${target.name}`,
      });
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    const signed = async (key: CryptoKey, kid: string) => {
      const now = Math.floor(deps.now().getTime() / 1000);
      const id = `uri-${target.name}`;
      const a = await new SignJWT({ iss: id, sub: id, aud: deps.config.issuerUrl, jti: crypto.randomUUID(), exp: now + 60 }).setProtectedHeader({ alg: "ES256", kid }).sign(key);
      return { client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: a };
    };

    it("fetches the keys, caches them, and refetches (at most once a minute) when the client rotates", async () => {
      const k1 = await generateKeyPair("ES256");
      served = { keys: [{ ...(await exportJWK(k1.publicKey)), kid: "k1" }] };
      expect((await call(deps, await signed(k1.privateKey, "k1"))).id).toBe(`uri-${target.name}`);
      expect((await call(deps, await signed(k1.privateKey, "k1"))).id).toBe(`uri-${target.name}`);
      expect(fetches).toBe(1);
      const k2 = await generateKeyPair("ES256");
      served = { keys: [{ ...(await exportJWK(k2.publicKey)), kid: "k2" }] };
      // Within the cooldown the new key is not looked up yet.
      expect((await rejection(call(deps, await signed(k2.privateKey, "k2")))).code).toBe("invalid_client");
      deps.advance(61);
      expect((await call(deps, await signed(k2.privateKey, "k2"))).id).toBe(`uri-${target.name}`);
      expect(fetches).toBe(2);
    });

    it("refuses a key set with private members", async () => {
      deps.advance(301);
      const k = await generateKeyPair("ES256", { extractable: true });
      served = { keys: [{ ...(await exportJWK(k.privateKey)), kid: "p" }] };
      expect((await rejection(call(deps, await signed(k.privateKey, "p")))).description).toMatch(/keys unavailable/);
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
