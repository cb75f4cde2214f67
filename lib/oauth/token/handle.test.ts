import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../../db/client";
import { testDatabases } from "../../../tests/harness/databases";
import { testDeps, type TestDeps } from "../../../tests/harness/test-deps";
import { OPTIONS } from "../../../app/oauth/token/route";
import { handleToken, tokenEndpointUrl } from "./handle";
import { createTokenLimits } from "./limits";
import { jwkThumbprint } from "../dpop/thumbprint";
import { CLIENT_ASSERTION_TYPE } from "../supported";
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

  it("answers password, implicit-style and unknown grant types with unsupported_grant_type (checklist 35)", async () => {
    const client = await makeClient(db);
    for (const grantType of ["password", "implicit", "token", "urn:example:unknown", "__proto__", "constructor"]) {
      const res = await handleToken(formRequest(url, { grant_type: grantType, client_id: client.id, username: "a", password: "b" }), deps);
      await expectError(res, 400, "unsupported_grant_type");
    }
    await expectError(await handleToken(formRequest(url, { client_id: client.id }), deps), 400, "invalid_request");
  });

  it("answers bad client authentication with 401 invalid_client (checklist 36)", async () => {
    const client = await makeClient(db, { secret: "correct-secret-correct-secret-correct-secret" });
    const wrong = await handleToken(formRequest(url, { grant_type: "authorization_code", code: "x" }, { basic: { id: client.id, secret: "wrong" } }), deps);
    await expectError(wrong, 401, "invalid_client");
    expect(wrong.headers.get("www-authenticate")).toMatch(/^Basic/);
    const unknown = await handleToken(formRequest(url, { grant_type: "authorization_code", code: "x", client_id: "nobody" }), deps);
    await expectError(unknown, 401, "invalid_client");
    // A confidential client cannot drop its secret and act as a public one.
    const bare = await handleToken(formRequest(url, { grant_type: "authorization_code", code: "x", client_id: client.id }), deps);
    await expectError(bare, 401, "invalid_client");
    // checklist 36: a malformed Basic header, and a client registered for Basic that sends its secret in the form.
    const malformed = await handleToken(formRequest(url, { grant_type: "authorization_code", code: "x" }, { headers: { Authorization: "Basic !!!" } }), deps);
    await expectError(malformed, 401, "invalid_client");
    expect(malformed.headers.get("www-authenticate")).toMatch(/^Basic/);
    const inForm = await handleToken(formRequest(url, { grant_type: "authorization_code", code: "x", client_id: client.id, client_secret: "correct-secret-correct-secret-correct-secret" }), deps);
    await expectError(inForm, 401, "invalid_client");
    // checklist 36: client_secret_post with a wrong secret.
    const post = await makeClient(db, { secret: "post-secret-post-secret-post-secret-post-sec", authMethod: "client_secret_post" });
    const wrongPost = await handleToken(formRequest(url, { grant_type: "authorization_code", code: "x", client_id: post.id, client_secret: "wrong" }), deps);
    await expectError(wrongPost, 401, "invalid_client");
    // checklist 36: private_key_jwt with an assertion that is not a valid JWT from the client.
    const forged = await handleToken(
      formRequest(url, { grant_type: "authorization_code", code: "x", client_id: client.id, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: "e30.e30.sig" }),
      deps,
    );
    await expectError(forged, 401, "invalid_client");
  });

  it("answers a grant type the client did not register with unauthorized_client", async () => {
    const client = await makeClient(db, { grantTypes: ["authorization_code"] });
    await expectError(await handleToken(formRequest(url, { grant_type: "refresh_token", refresh_token: "rt_x", client_id: client.id }), deps), 400, "unauthorized_client");
  });

  it("sends no-store, JSON errors without CR/LF in error_description, and no null fields (checklist 37)", async () => {
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

  it("answers every request, success or error, with no-store JSON, no null field and no CR/LF in error_description (checklist 37)", async () => {
    const client = await makeClient(db, { grantTypes: ["authorization_code", "refresh_token"] });
    const confidential = await makeClient(db, { secret: "cc-secret-cc-secret-cc-secret-cc-secret-cc-s", grantTypes: ["client_credentials"], scope: "messages:read" });
    const user = await makeUser(db);
    const grant = await makeGrant(deps, { userId: user, clientId: client.id, resource: deps.config.mcpResourceUrl });
    const { code, verifier } = await makeCode(deps, { grantId: grant.id, clientId: client.id, resource: deps.config.mcpResourceUrl });
    const key = await makeDpopKey(deps, url);
    const codeParams = { grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: REDIRECT_URI, client_id: client.id };
    const send = (params: Record<string, string>, o: Parameters<typeof formRequest>[2] = {}) => handleToken(formRequest(url, params, o), deps);
    const crlf = "x\r\nSet-Cookie: a=1\r\n\"\\";

    // What was sent, the error expected (none for a 200), the answer.
    const answers: [string, string | undefined, Response][] = [];
    const add = async (what: string, expected: string | undefined, res: Response | Promise<Response>) => answers.push([what, expected, await res]);
    await add("bad DPoP proof", "invalid_dpop_proof", send(codeParams, { dpop: await key.proof({ htm: "GET" }) }));
    await add("wrong verifier", "invalid_grant", send({ ...codeParams, code_verifier: "b".repeat(43) }));
    await add("other resource", "invalid_target", send({ ...codeParams, resource: deps.config.messagingResourceUrl }));
    const first = await send(codeParams, { dpop: await key.proof() });
    await add("authorization_code 200", undefined, first);
    const refreshParams = { grant_type: "refresh_token", refresh_token: String((await first.clone().json()).refresh_token), client_id: client.id };
    await add("wider scope with CR/LF", "invalid_scope", send({ ...refreshParams, scope: `messages:send ${crlf}` }, { dpop: await key.proof() }));
    const badDetails = JSON.stringify([{ type: crlf, actions: ["send"] }]);
    await add("bad authorization_details with CR/LF", "invalid_authorization_details", send({ ...refreshParams, authorization_details: badDetails }, { dpop: await key.proof() }));
    await add("refresh 200", undefined, send(refreshParams, { dpop: await key.proof() }));
    const ccParams = { grant_type: "client_credentials", resource: deps.config.messagingResourceUrl };
    await add("client_credentials 200", undefined, send(ccParams, { basic: { id: confidential.id, secret: confidential.secret! } }));
    await add("unsupported grant type with CR/LF", "unsupported_grant_type", send({ grant_type: crlf, client_id: client.id }));
    const formHeaders = { "Content-Type": "application/x-www-form-urlencoded" };
    const repeated = `${encodeURIComponent(crlf)}=1&${encodeURIComponent(crlf)}=2`;
    await add("repeated parameter with CR/LF", "invalid_request", handleToken(new Request(url, { method: "POST", headers: formHeaders, body: repeated }), deps));
    await add("missing grant_type", "invalid_request", send({ client_id: client.id }));
    await add("unauthorized_client", "unauthorized_client", send({ grant_type: "client_credentials", client_id: client.id }));
    await add("invalid_client", "invalid_client", send(ccParams, { basic: { id: confidential.id, secret: "wrong" } }));
    await add("unknown client with CR/LF", "invalid_client", send({ grant_type: "authorization_code", code: "x", client_id: crlf }));
    const strict = testDeps(db, { dpopRequireNonce: true });
    await add("use_dpop_nonce", "use_dpop_nonce", handleToken(formRequest(url, codeParams, { dpop: await key.proof() }), strict));
    await add("GET", "invalid_request", handleToken(new Request(url, { method: "GET" }), deps));
    const jsonBody = new Request(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    await add("JSON body", "invalid_request", handleToken(jsonBody, deps));
    await add("too large", "invalid_request", send({ grant_type: "authorization_code", code: "x".repeat(70_000), client_id: client.id }));
    const limited = { limits: createTokenLimits({ ...deps.config.limits, tokenRequestsPerClientPerMinute: 1 }) };
    const busy = await makeClient(db);
    await handleToken(formRequest(url, { grant_type: "refresh_token", refresh_token: "rt_x", client_id: busy.id }), deps, limited);
    await add("rate limited", "temporarily_unavailable", handleToken(formRequest(url, { grant_type: "refresh_token", refresh_token: "rt_x", client_id: busy.id }), deps, limited));

    const hasNull = (v: unknown): boolean => v === null || (typeof v === "object" && Object.values(v as object).some(hasNull));
    const statuses = new Set<number>();
    for (const [what, expected, res] of answers) {
      statuses.add(res.status);
      expect(res.headers.get("cache-control"), what).toBe("no-store");
      expect(res.headers.get("pragma"), what).toBe("no-cache");
      expect(res.headers.get("content-type"), what).toMatch(/^application\/json/);
      expect(res.headers.get("set-cookie"), what).toBeNull();
      const text = await res.text();
      expect(text, what).not.toMatch(/[\r\n]/);
      const body = JSON.parse(text) as Record<string, unknown>;
      expect(hasNull(body), what).toBe(false);
      if (expected === undefined) {
        expect(res.status, what).toBe(200);
        expect(body.error, what).toBeUndefined();
        expect(typeof body.access_token, what).toBe("string");
      } else {
        expect(body.error, what).toBe(expected);
        if (body.error_description !== undefined) expect(String(body.error_description), what).toMatch(/^[\x20-\x21\x23-\x5B\x5D-\x7E]*$/);
      }
    }
    expect([...statuses].sort((a, b) => a - b)).toEqual([200, 400, 401, 405, 413, 429]);
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
    const limits = createTokenLimits({ ...deps.config.limits, tokenRequestsPerClientPerMinute: 3 });
    const send = () => handleToken(formRequest(url, { grant_type: "refresh_token", refresh_token: "rt_x", client_id: client.id }), deps, { limits });
    for (let i = 0; i < 3; i++) expect((await send()).status).toBe(400);
    const limited = await send();
    await expectError(limited, 429, "temporarily_unavailable");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another client is counted on its own.
    const other = await makeClient(db);
    const res = await handleToken(formRequest(url, { grant_type: "refresh_token", refresh_token: "rt_x", client_id: other.id }), deps, { limits });
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

  describe("DPoP proofs at the token endpoint: 400 invalid_dpop_proof (checklist 45 to 51)", () => {
    let signer: CryptoKey;
    let jwk: JWK;
    let privateJwk: JWK;
    beforeAll(async () => {
      const pair = await generateKeyPair("ES256", { extractable: true });
      signer = pair.privateKey;
      jwk = await exportJWK(pair.publicKey);
      privateJwk = await exportJWK(pair.privateKey);
    });

    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const nowSec = () => Math.floor(deps.now().getTime() / 1000);

    /** A proof for this endpoint, with any header member or claim changed or left out. */
    async function proof(o: { header?: Record<string, unknown>; claims?: Record<string, unknown>; omit?: string[]; key?: CryptoKey | Uint8Array } = {}) {
      const payload: Record<string, unknown> = { jti: randomUUID(), htm: "POST", htu: url, iat: nowSec(), ...o.claims };
      for (const k of o.omit ?? []) delete payload[k];
      return new SignJWT(payload).setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk, ...o.header } as never).sign(o.key ?? signer);
    }

    /** A fresh code of a public client, and a function that redeems it with the given DPoP header(s). */
    async function freshCode() {
      const client = await makeClient(db);
      const user = await makeUser(db);
      const grant = await makeGrant(deps, { userId: user, clientId: client.id, resource: deps.config.mcpResourceUrl });
      const { code, verifier } = await makeCode(deps, { grantId: grant.id, clientId: client.id, resource: deps.config.mcpResourceUrl });
      const params = { grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: REDIRECT_URI, client_id: client.id };
      return (dpop: string | string[]) => handleToken(formRequest(url, params, { dpop }), deps);
    }

    async function expectRefused(res: Response, what: string) {
      expect(res.status, what).toBe(400);
      expect(res.headers.get("cache-control"), what).toBe("no-store");
      expect((await json(res)).error, what).toBe("invalid_dpop_proof");
    }

    /** Accepted: 200, a DPoP token bound to the proof's key. */
    async function expectAccepted(res: Response, what: string) {
      expect(res.status, what).toBe(200);
      const body = await json(res);
      expect(body.token_type, what).toBe("DPoP");
      expect(JSON.parse(Buffer.from(String(body.access_token).split(".")[1]!, "base64url").toString()).cnf, what).toEqual({ jkt: await jwkThumbprint(jwk) });
    }

    it("rejects a typ other than dpop+jwt, alg none, HS256 and an alg that is not advertised (checklist 45)", async () => {
      const redeem = await freshCode();
      // checklist 45: typ
      for (const typ of ["jwt", "JWT", "at+jwt", "dpop", undefined]) await expectRefused(await redeem(await proof({ header: { typ } })), `typ ${typ}`);
      // checklist 45: alg none, unsigned and with a made-up signature part
      const none = `${b64({ alg: "none", typ: "dpop+jwt", jwk })}.${b64({ jti: randomUUID(), htm: "POST", htu: url, iat: nowSec() })}`;
      await expectRefused(await redeem(`${none}.`), "alg none");
      await expectRefused(await redeem(`${none}.AAAA`), "alg none with a signature part");
      // checklist 45: HS256 and HS512, keyed with a secret or with the public key's bytes
      const secret = new TextEncoder().encode("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
      for (const alg of ["HS256", "HS512"]) {
        await expectRefused(await redeem(await proof({ header: { alg, jwk: { kty: "oct", k: Buffer.from(secret).toString("base64url") } }, key: secret })), `${alg} with oct jwk`);
        await expectRefused(await redeem(await proof({ header: { alg }, key: new TextEncoder().encode(JSON.stringify(jwk)) })), `${alg} keyed with the public jwk`);
      }
      // checklist 45: an asymmetric alg the issuer does not advertise in dpop_signing_alg_values_supported
      const es512 = await generateKeyPair("ES512");
      await expectRefused(await redeem(await proof({ header: { alg: "ES512", jwk: await exportJWK(es512.publicKey) }, key: es512.privateKey })), "ES512");
      // Nothing above used the code.
      await expectAccepted(await redeem(await proof()), "good proof");
    });

    it("rejects a private or symmetric key in jwk, and a bad signature (checklist 46)", async () => {
      const redeem = await freshCode();
      // checklist 46: the private key itself in the header (the signature is valid)
      await expectRefused(await redeem(await proof({ header: { jwk: privateJwk } })), "private jwk");
      // checklist 46: a symmetric key
      await expectRefused(await redeem(await proof({ header: { jwk: { kty: "oct", k: "c2VjcmV0" } } })), "oct jwk");
      // checklist 46: signed by another key than the one in the header
      const other = await generateKeyPair("ES256");
      await expectRefused(await redeem(await proof({ key: other.privateKey })), "foreign signature");
      // checklist 46: a payload changed after signing
      const good = await proof();
      const [h, p, sig] = good.split(".");
      const tampered = `${h}.${b64({ ...JSON.parse(Buffer.from(p!, "base64url").toString()), jti: randomUUID() })}.${sig}`;
      await expectRefused(await redeem(tampered), "tampered payload");
      // a truncated signature
      await expectRefused(await redeem(`${h}.${p}.${sig!.slice(0, 20)}`), "truncated signature");
      await expectAccepted(await redeem(await proof()), "good proof");
    });

    it("rejects a proof missing jti, htm, htu or iat (checklist 47)", async () => {
      const redeem = await freshCode();
      for (const claim of ["jti", "htm", "htu", "iat"]) await expectRefused(await redeem(await proof({ omit: [claim] })), `no ${claim}`); // checklist 47
      await expectAccepted(await redeem(await proof()), "good proof");
    });

    it("rejects an htm or htu mismatch (checklist 48)", async () => {
      const redeem = await freshCode();
      // checklist 48: htm
      for (const htm of ["GET", "post", "PUT"]) await expectRefused(await redeem(await proof({ claims: { htm } })), `htm ${htm}`);
      // checklist 48: htu for another endpoint, host, scheme, port or path
      const u = new URL(url);
      const others = [
        `${deps.config.issuerUrl}/oauth/revoke`,
        `${url}/`,
        `${u.protocol}//elsewhere.example${u.pathname}`,
        `${u.protocol === "http:" ? "https:" : "http:"}//${u.host}${u.pathname}`,
        `${u.protocol}//${u.hostname}:1${u.pathname}`,
        "not a url",
      ];
      for (const htu of others) await expectRefused(await redeem(await proof({ claims: { htu } })), `htu ${htu}`);
      await expectAccepted(await redeem(await proof()), "good proof");
    });

    it("accepts an htu with a query or a fragment (checklist 48)", async () => {
      for (const htu of [`${url}?x=1`, `${url}#frag`, `${url}?a=b#c`]) {
        const redeem = await freshCode();
        await expectAccepted(await redeem(await proof({ claims: { htu } })), `htu ${htu}`); // checklist 48
      }
    });

    it("rejects an iat 301 s in the past or future and accepts one 10 s off either way (checklist 49)", async () => {
      const redeem = await freshCode();
      // checklist 49: 301 s off, both directions
      for (const off of [-301, 301]) await expectRefused(await redeem(await proof({ claims: { iat: nowSec() + off } })), `iat ${off}`);
      // checklist 49: 10 s off, both directions
      await expectAccepted(await redeem(await proof({ claims: { iat: nowSec() - 10 } })), "iat -10");
      await expectAccepted(await (await freshCode())(await proof({ claims: { iat: nowSec() + 10 } })), "iat +10");
    });

    it("rejects a replayed jti, even for another code (checklist 50)", async () => {
      const first = await freshCode();
      const used = await proof();
      await expectAccepted(await first(used), "first use");
      const second = await freshCode();
      await expectRefused(await second(used), "same proof again"); // checklist 50
      const sameJti = await proof({ claims: { jti: JSON.parse(Buffer.from(used.split(".")[1]!, "base64url").toString()).jti } });
      await expectRefused(await second(sameJti), "new proof, same jti"); // checklist 50
      await expectAccepted(await second(await proof()), "fresh jti");
    });

    it("rejects two DPoP headers with 400, even when each is valid (checklist 51)", async () => {
      const redeem = await freshCode();
      await expectRefused(await redeem([await proof(), await proof()]), "two headers"); // checklist 51
      await expectAccepted(await redeem(await proof()), "one header");
    });
  });

  describe("DPoP nonces at the token endpoint (checklist 52)", () => {
    it("asks for a nonce with use_dpop_nonce and a DPoP-Nonce header when it is required and missing or stale, then accepts the proof that carries it (checklist 52)", async () => {
      const strict = testDeps(db, { dpopRequireNonce: true });
      const client = await makeClient(db);
      const user = await makeUser(db);
      const grant = await makeGrant(strict, { userId: user, clientId: client.id, resource: strict.config.mcpResourceUrl });
      const { code, verifier } = await makeCode(strict, { grantId: grant.id, clientId: client.id, resource: strict.config.mcpResourceUrl, expiresInSeconds: 3600 });
      const key = await makeDpopKey(strict, url);
      const params = { grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: REDIRECT_URI, client_id: client.id };
      // checklist 52: required and missing.
      const first = await handleToken(formRequest(url, params, { dpop: await key.proof() }), strict);
      await expectError(first, 400, "use_dpop_nonce");
      const nonce = first.headers.get("dpop-nonce");
      expect(nonce).toBeTruthy();
      // A made-up nonce from long ago is refused the same way.
      const forged = await handleToken(formRequest(url, params, { dpop: await key.proof({ nonce: "1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }) }), strict);
      await expectError(forged, 400, "use_dpop_nonce");
      expect(forged.headers.get("dpop-nonce")).toBe(nonce);
      // checklist 52: stale, a nonce this server handed out, two nonce windows (10 minutes) ago.
      strict.advance(600);
      const stale = await handleToken(formRequest(url, params, { dpop: await key.proof({ nonce: nonce! }) }), strict);
      await expectError(stale, 400, "use_dpop_nonce");
      const fresh = stale.headers.get("dpop-nonce");
      expect(fresh).toBeTruthy();
      expect(fresh).not.toBe(nonce);
      const second = await handleToken(formRequest(url, params, { dpop: await key.proof({ nonce: fresh! }) }), strict);
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

    it("rejects a proof whose htm or htu is for another request (checklist 48)", async () => {
      const client = await makeClient(db, { grantTypes: ["refresh_token"] });
      const key = await makeDpopKey(deps, url);
      for (const proof of [await key.proof({ htm: "GET" }), await key.proof({ htu: "https://elsewhere.example/oauth/token" })]) {
        const res = await handleToken(formRequest(url, { grant_type: "refresh_token", refresh_token: "rt_x", client_id: client.id }, { dpop: proof }), deps);
        await expectError(res, 400, "invalid_dpop_proof");
      }
    });
  });
});
