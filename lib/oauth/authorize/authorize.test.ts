import { createHash, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../../db/client";
import { writeTransaction } from "../../db";
import { testDatabases } from "../../../tests/harness/databases";
import { testDeps, type TestDeps } from "../../../tests/harness/test-deps";
import { insertClient } from "../clients/create";
import type { ClientKind } from "../clients/store";
import { validateClientMetadata } from "../clients/validate-metadata";
import { handleAuthorize } from "./handle";
import { handlePar } from "./par";

const ISSUER = "http://localhost:3000";
const CB = "https://app.example/cb";
const challenge = createHash("sha256").update(randomBytes(32).toString("base64url")).digest("base64url");

/** An operator-registered client by default: those get error redirects (checks.ts, mayRedirectErrors). */
export async function registerTestClient(deps: TestDeps, id: string, raw: Record<string, unknown>, kind: ClientKind = "preregistered") {
  const metadata = validateClientMetadata({ token_endpoint_auth_method: "none", grant_types: ["authorization_code", "refresh_token"], ...raw });
  return writeTransaction(deps.db, (tx) => insertClient(tx, { id, kind, metadata, createdAt: deps.now() }, { type: "agent" }));
}

// Stands in for the websites of metadata-document clients (loopback: development mode).
let docServer: Server;
let docBase = "";
let closedPortBase = "";
const documents: Record<string, unknown> = {};
beforeAll(async () => {
  docServer = createServer((req, res) => {
    if (req.url === "/reset") return void req.socket.destroy();
    const doc = documents[req.url ?? ""];
    if (!doc) return void res.writeHead(404).end("no such document");
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(doc));
  });
  await new Promise<void>((r) => docServer.listen(0, "127.0.0.1", r));
  docBase = `http://127.0.0.1:${(docServer.address() as AddressInfo).port}`;
  // A port nothing listens on: connections to it are refused.
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
  closedPortBase = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise<void>((r) => closed.close(() => r()));
});
afterAll(() => new Promise<void>((r) => docServer.close(() => r())));

describe.each(testDatabases())("authorization endpoint on $name", (target) => {
  let db: Db;
  let deps: TestDeps;
  beforeAll(async () => {
    db = await target.open();
    deps = testDeps(db);
    await registerTestClient(deps, "one", { redirect_uris: [CB] });
    await registerTestClient(deps, "many", { redirect_uris: [CB, "https://app.example/cb2"] });
    await registerTestClient(deps, "loop", { redirect_uris: ["http://127.0.0.1/cb"] });
    await registerTestClient(deps, "conf", { redirect_uris: [CB], token_endpoint_auth_method: "client_secret_post" });
    await registerTestClient(deps, "withq", { redirect_uris: [`${CB}?x=1`] });
  });
  afterAll(() => target.close());

  const base = (extra: Record<string, string | null> = {}) => {
    const p: Record<string, string | null> = {
      client_id: "one",
      redirect_uri: CB,
      response_type: "code",
      code_challenge: challenge,
      code_challenge_method: "S256",
      scope: "messages:send",
      state: "xyz",
      resource: deps.config.mcpResourceUrl,
      ...extra,
    };
    return new URLSearchParams(Object.entries(p).filter((e): e is [string, string] => e[1] !== null));
  };
  const get = (params: URLSearchParams | string) => handleAuthorize(new Request(`${ISSUER}/oauth/authorize?${params.toString()}`), deps);

  async function expectPage(res: Response, text: RegExp) {
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(await res.text()).toMatch(text);
  }
  function redirected(res: Response) {
    expect(res.status).toBe(303);
    return new URL(res.headers.get("location")!);
  }
  async function expectError(res: Response, error: string, state: string | null = "xyz") {
    const loc = redirected(res);
    expect(`${loc.origin}${loc.pathname}`).toBe(CB);
    expect(loc.searchParams.get("error")).toBe(error);
    expect(loc.searchParams.get("iss")).toBe(deps.config.issuerUrl);
    expect(loc.searchParams.get("state")).toBe(state);
  }

  it("stores a valid request and sends the browser to the consent page (303), without CORS headers (checklist 3, 18)", async () => {
    const res = await get(base({ authorization_details: JSON.stringify([{ type: "messaging", recipients: ["+15550100123"], max_messages: 3 }]), requested_expiry: "3600" }));
    const loc = redirected(res);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(loc.pathname).toMatch(/^\/consent\/.+/);
    const row = await db.authorizationRequest.findUniqueOrThrow({ where: { id: decodeURIComponent(loc.pathname.split("/")[2]!) } });
    expect(row).toMatchObject({ flow: "authorize", status: "pending", clientId: "one", redirectUri: CB, state: "xyz", codeChallenge: challenge, requestedExpiry: 3600, scope: "messages:send" });
    expect(JSON.parse(row.authorizationDetails)).toEqual([{ type: "messaging", actions: ["send"], recipients: ["+15550100123"], max_messages: 3 }]);
    expect(row.expiresAt.getTime() - deps.now().getTime()).toBe(600_000);
    expect(await db.auditEvent.count({ where: { type: "authorization.requested", clientId: "one" } })).toBeGreaterThan(0);
  });

  it("turns a messages:send request without details into an open request for the user to fill in", async () => {
    const loc = redirected(await get(base()));
    const row = await db.authorizationRequest.findUniqueOrThrow({ where: { id: loc.pathname.split("/")[2] } });
    expect(JSON.parse(row.authorizationDetails)).toEqual([{ type: "messaging", actions: ["send"], recipients: [] }]);
  });

  it("checklist 4: unknown client_id -> page", async () => expectPage(await get(base({ client_id: "nobody" })), /not registered/));
  it("checklist 5: unregistered redirect_uri -> page", async () => expectPage(await get(base({ redirect_uri: "https://evil.example/cb" })), /not one that this application registered/));
  it.each([
    "https://APP.example/cb",
    "https://app.example:443/cb",
    "https://app.example/cb/",
    "https://app.example/cb?x=1",
    "https://app.example/cb/more",
  ])("checklist 6: %s is not an exact match -> page", async (uri) => expectPage(await get(base({ redirect_uri: uri })), /not one that this application registered/));
  it.each([
    ["a changed query value", `${CB}?x=2`],
    ["the query left out", CB],
    ["an added query parameter", `${CB}?x=1&y=2`],
    ["the query reordered", `${CB}?y=2&x=1`],
    ["a percent-encoded query", `${CB}?x=%31`],
  ])("checklist 6: a registered URI with a query, requested with %s -> page", async (_what, uri) => {
    await expectPage(await get(base({ client_id: "withq", redirect_uri: uri })), /not one that this application registered/);
  });
  it("checklist 6: the registered URI with its query, exactly, is accepted", async () => {
    expect(redirected(await get(base({ client_id: "withq", redirect_uri: `${CB}?x=1` }))).pathname).toMatch(/^\/consent\//);
  });
  it("checklist 7: http on a non-loopback host cannot even be registered; loopback accepts any port", async () => {
    await expect(registerTestClient(deps, "bad-http", { redirect_uris: ["http://app.example/cb"] })).rejects.toMatchObject({ code: "invalid_redirect_uri" });
    const ok = redirected(await get(base({ client_id: "loop", redirect_uri: "http://127.0.0.1:49152/cb" })));
    expect(ok.pathname).toMatch(/^\/consent\//);
    const err = redirected(await get(base({ client_id: "loop", redirect_uri: "http://127.0.0.1:49152/cb", code_challenge: null })));
    expect(err.origin).toBe("http://127.0.0.1:49152");
  });
  it("checklist 8: several redirect URIs registered and none given -> page; one registered and none given -> used", async () => {
    await expectPage(await get(base({ client_id: "many", redirect_uri: null })), /registered several/);
    expect(redirected(await get(base({ redirect_uri: null }))).pathname).toMatch(/^\/consent\//);
  });
  it("checklist 9: no code_challenge -> invalid_request", async () => expectError(await get(base({ code_challenge: null })), "invalid_request"));
  it("checklist 10: method plain or omitted -> invalid_request", async () => {
    await expectError(await get(base({ code_challenge_method: "plain" })), "invalid_request");
    await expectError(await get(base({ code_challenge_method: null })), "invalid_request");
  });
  it.each(["short", challenge.slice(0, 42) + "=", challenge + "A", challenge.slice(0, 42) + "+"])(
    "checklist 11: challenge %s -> invalid_request",
    async (c) => expectError(await get(base({ code_challenge: c })), "invalid_request"),
  );
  it("checklist 12: response_type=token -> unsupported_response_type", async () => expectError(await get(base({ response_type: "token" })), "unsupported_response_type"));
  it("checklist 13: a repeated parameter -> invalid_request; a repeated client_id or redirect_uri -> page", async () => {
    const p = base();
    p.append("scope", "messages:read");
    await expectError(await get(p), "invalid_request");
    const q = base();
    q.append("client_id", "many");
    await expectPage(await get(q), /more than once/);
    const r = base();
    r.append("redirect_uri", CB);
    await expectPage(await get(r), /more than once/);
    for (const name of ["response_type", "code_challenge", "code_challenge_method", "resource", "authorization_details"]) {
      const again = base({ authorization_details: '[{"type":"messaging","recipients":["+15550100123"]}]' });
      again.append(name, again.get(name)!);
      await expectError(await get(again), "invalid_request");
    }
    // A repeated state is not echoed back: there is no single unchanged value to return.
    const s = base();
    s.append("state", "other");
    await expectError(await get(s), "invalid_request", null);
  });
  it("checklist 14: authorization_details not a JSON array -> invalid_request; unknown type or bad field -> invalid_authorization_details", async () => {
    await expectError(await get(base({ authorization_details: '{"type":"messaging"}' })), "invalid_request");
    await expectError(await get(base({ authorization_details: "not json" })), "invalid_request");
    await expectError(await get(base({ authorization_details: '[{"type":"payments"}]' })), "invalid_authorization_details");
    await expectError(await get(base({ authorization_details: '[{"type":"messaging","recipients":["12"]}]' })), "invalid_authorization_details");
    await expectError(await get(base({ authorization_details: '[{"type":"messaging","recipients":["+15550100123"],"max_messages":-1}]' })), "invalid_authorization_details");
  });
  it.each(["/relative", "https://localhost:3001/mcp#frag", "https://unknown.example/api"])("checklist 15: resource %s -> invalid_target", async (resource) =>
    expectError(await get(base({ resource })), "invalid_target"),
  );
  it("checklist 16: unknown scope -> invalid_scope", async () => expectError(await get(base({ scope: "messages:send admin" })), "invalid_scope"));
  it("checklist 17: every redirect carries iss and the unchanged state, also a 2,000-character one", async () => {
    const state = "s-" + "é&=?/+ %".repeat(249) + "#;:,~*";
    expect(state.length).toBe(2000);
    await expectError(await get(base({ state, response_type: "token" })), "unsupported_response_type", state);
    await expectError(await get(base({ state: null, response_type: "token" })), "unsupported_response_type", null);
    // checklist 17: every kind of error redirect, not only one
    const errors: [Record<string, string | null>, string][] = [
      [{ code_challenge: null }, "invalid_request"],
      [{ code_challenge_method: "plain" }, "invalid_request"],
      [{ scope: "admin" }, "invalid_scope"],
      [{ resource: "https://unknown.example/api" }, "invalid_target"],
      [{ authorization_details: '[{"type":"payments"}]' }, "invalid_authorization_details"],
      [{ response_mode: "fragment" }, "invalid_request"],
    ];
    for (const [extra, error] of errors) await expectError(await get(base({ state, ...extra })), error, state);
    // The long state survives the success path too: stored unchanged for the code redirect (see lib/consent).
    const ok = redirected(await get(base({ state })));
    expect((await db.authorizationRequest.findUniqueOrThrow({ where: { id: ok.pathname.split("/")[2] } })).state).toBe(state);
  });
  it("checklist 3: no CORS headers from the authorization endpoint, even for a cross-origin caller", async () => {
    const origin = { origin: "https://spa.example" };
    const noCors = (res: Response) => {
      for (const h of ["access-control-allow-origin", "access-control-allow-credentials", "access-control-expose-headers", "access-control-allow-methods"]) {
        expect(res.headers.get(h), h).toBeNull();
      }
      return res;
    };
    const viaGet = (params: URLSearchParams) => handleAuthorize(new Request(`${ISSUER}/oauth/authorize?${params}`, { headers: origin }), deps);
    expect(redirected(noCors(await viaGet(base()))).pathname).toMatch(/^\/consent\//);
    await expectError(noCors(await viaGet(base({ code_challenge: null }))), "invalid_request");
    await expectPage(noCors(await viaGet(base({ client_id: "nobody" }))), /not registered/);
    const viaPost = await handleAuthorize(
      new Request(`${ISSUER}/oauth/authorize`, { method: "POST", headers: { ...origin, "content-type": "application/x-www-form-urlencoded" }, body: base().toString() }),
      deps,
    );
    expect(redirected(noCors(viaPost)).pathname).toMatch(/^\/consent\//);
    const preflight = await handleAuthorize(new Request(`${ISSUER}/oauth/authorize`, { method: "OPTIONS", headers: { ...origin, "access-control-request-method": "POST" } }), deps);
    expect(noCors(preflight).status).toBe(400);
    // The route answers GET and POST only: no OPTIONS handler that could answer a preflight.
    const route = await import("../../../app/oauth/authorize/route");
    expect(Object.keys(route).sort()).toEqual(["GET", "POST", "dynamic"]);
  });
  it("keeps the registered redirect URI's own query byte for byte", async () => {
    await registerTestClient(deps, "q", { redirect_uris: ["https://app.example/cb?tenant=a%20b"] });
    const res = await get(base({ client_id: "q", redirect_uri: "https://app.example/cb?tenant=a%20b", response_type: "token" }));
    expect(res.headers.get("location")).toMatch(/^https:\/\/app\.example\/cb\?tenant=a%20b&error=unsupported_response_type&/);
  });
  it("accepts the request as a POSTed form too, answering 303, never 307 (checklist 18)", async () => {
    const res = await handleAuthorize(
      new Request(`${ISSUER}/oauth/authorize`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: base().toString() }),
      deps,
    );
    expect(redirected(res).pathname).toMatch(/^\/consent\//);
    // checklist 18: an error answered to a POSTed form is a 303 too (a 307 would re-POST to the client)
    const err = await handleAuthorize(
      new Request(`${ISSUER}/oauth/authorize`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: base({ response_type: "token" }).toString() }),
      deps,
    );
    await expectError(err, "unsupported_response_type");
  });
  it("binds dpop_jkt, and rejects a malformed one", async () => {
    const jkt = createHash("sha256").update("k").digest("base64url");
    const loc = redirected(await get(base({ dpop_jkt: jkt })));
    expect((await db.authorizationRequest.findUniqueOrThrow({ where: { id: loc.pathname.split("/")[2] } })).dpopJkt).toBe(jkt);
    await expectError(await get(base({ dpop_jkt: "nope" })), "invalid_request");
  });

  describe("clients that registered themselves get no automatic error redirects (RFC 9700 section 4.11.2)", () => {
    async function expectInterstitial(res: Response, error: string, clientState: string | null = "xyz") {
      expect(res.status).toBe(400);
      expect(res.headers.get("location")).toBeNull();
      const html = await res.text();
      expect(html).toContain(`Error code: <code data-testid="error-code">${error}</code>`);
      // The way back is a link the user has to choose, naming the host it leads to.
      const href = /<a href="([^"]+)" rel="noreferrer">Return to ([^<]+)<\/a>/.exec(html);
      expect(href?.[2]).toBe("app.example");
      const back = new URL(href![1]!.replaceAll("&amp;", "&"));
      expect(`${back.origin}${back.pathname}`).toBe(CB);
      expect(back.searchParams.get("error")).toBe(error);
      expect(back.searchParams.get("state")).toBe(clientState);
      expect(back.searchParams.get("iss")).toBe(deps.config.issuerUrl);
    }

    it("checklist 151: a dynamically registered or metadata-document client's error is shown on our page, never redirected; an operator-registered client's is redirected", async () => {
      await registerTestClient(deps, "dyn", { redirect_uris: [CB] }, "dynamic");
      const cimd = `${docBase}/agent-${target.name}.json`;
      documents[`/agent-${target.name}.json`] = { client_id: cimd, client_name: "Doc agent", redirect_uris: [CB] };
      for (const clientId of ["dyn", cimd]) {
        await expectInterstitial(await get(base({ client_id: clientId, code_challenge: null })), "invalid_request");
        await expectInterstitial(await get(base({ client_id: clientId, response_type: "token", state: null })), "unsupported_response_type", null);
        await expectInterstitial(await get(base({ client_id: clientId, scope: "admin" })), "invalid_scope");
        // A POSTed form too.
        const posted = await handleAuthorize(
          new Request(`${ISSUER}/oauth/authorize`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: base({ client_id: clientId, resource: "https://unknown.example/api" }).toString() }),
          deps,
        );
        await expectInterstitial(posted, "invalid_target");
        // A valid request still goes to the consent page, where the user is involved.
        expect(redirected(await get(base({ client_id: clientId }))).pathname).toMatch(/^\/consent\//);
      }
      // The same malformed request from an operator-registered client is redirected (303).
      await expectError(await get(base({ code_challenge: null })), "invalid_request");
    });
  });

  describe("the error page shows stable codes and plain words, never an exception's text", () => {
    async function pageOf(clientId: string) {
      const res = await get(base({ client_id: clientId }));
      expect(res.status).toBe(400);
      expect(res.headers.get("location")).toBeNull();
      return res.text();
    }

    it("checklist 156: metadata documents that are refused, reset, missing or unresolvable give the same page, without host, port or errno", async () => {
      const pages = await Promise.all([
        pageOf(`${closedPortBase}/agent.json`), // connection refused
        pageOf(`${docBase}/reset`), // connection reset before an answer
        pageOf(`${docBase}/missing-${target.name}.json`), // an HTTP server that answers 404
        pageOf(`https://agent-${target.name}.invalid/client.json`), // a host that does not resolve
      ]);
      for (const html of pages) {
        expect(html).toBe(pages[0]);
        expect(html).toContain('Error code: <code data-testid="error-code">client_metadata_unavailable</code>');
        for (const leak of [/127\.0\.0\.1/, /:\d{2,5}\b/, /ECONN|ENOTFOUND|EAI_|errno|socket|hang up|fetch failed|\.invalid/i, /HTTP 404/, /client metadata document answered/]) {
          expect(html).not.toMatch(leak);
        }
      }
    });

    it("checklist 156: a database failure is a 500 page with a code, not the driver's message", async () => {
      const broken = createDb("postgresql://nobody:nothing@127.0.0.1:1/none");
      try {
        const res = await handleAuthorize(new Request(`${ISSUER}/oauth/authorize?${base()}`), { ...deps, db: broken });
        expect(res.status).toBe(500);
        const html = await res.text();
        expect(html).toContain('Error code: <code data-testid="error-code">server_error</code>');
        for (const leak of [/127\.0\.0\.1/, /nobody|nothing/, /ECONN|errno|prisma|connect/i]) expect(html).not.toMatch(leak);
      } finally {
        await broken.$disconnect().catch(() => {});
      }
    });
  });

  describe("pushed authorization requests (RFC 9126)", () => {
    const push = (params: URLSearchParams, headers: Record<string, string> = {}) =>
      handlePar(new Request(`${ISSUER}/oauth/par`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body: params.toString() }), deps);

    it("returns a one-time request_uri that /authorize redeems", async () => {
      const res = await push(base());
      expect(res.status).toBe(201);
      const { request_uri, expires_in } = await res.json();
      expect(request_uri).toMatch(/^urn:ietf:params:oauth:request_uri:/);
      expect(expires_in).toBe(60);
      const q = new URLSearchParams({ client_id: "one", request_uri });
      expect(redirected(await get(q)).pathname).toMatch(/^\/consent\//);
      await expectPage(await get(q), /already used/);
    });
    it("refuses a request_uri of another client, and an expired one", async () => {
      const { request_uri } = await (await push(base())).json();
      await expectPage(await get(new URLSearchParams({ client_id: "many", request_uri })), /unknown, expired or already used/);
      const { request_uri: late } = await (await push(base())).json();
      deps.advance(61);
      await expectPage(await get(new URLSearchParams({ client_id: "one", request_uri: late })), /unknown, expired or already used/);
    });
    it("binds the code to the key of a DPoP proof sent with the push (RFC 9449 section 10.1)", async () => {
      const { publicKey, privateKey } = await generateKeyPair("ES256");
      const jwk = await exportJWK(publicKey);
      const mkProof = () =>
        new SignJWT({ jti: crypto.randomUUID(), htm: "POST", htu: `${deps.config.issuerUrl}/oauth/par`, iat: Math.floor(deps.now().getTime() / 1000) })
          .setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk })
          .sign(privateKey);
      const res = await push(base(), { dpop: await mkProof() });
      expect(res.status).toBe(201);
      const { request_uri } = await res.json();
      const loc = redirected(await get(new URLSearchParams({ client_id: "one", request_uri })));
      const row = await db.authorizationRequest.findUniqueOrThrow({ where: { id: loc.pathname.split("/")[2] } });
      expect(row.dpopJkt).toBe(await calculateJwkThumbprint(jwk, "sha256"));
      const other = await push(base({ dpop_jkt: "A".repeat(43) }), { dpop: await mkProof() });
      expect(await other.json()).toMatchObject({ error: "invalid_dpop_proof", error_description: expect.stringMatching(/does not match/) });
    });

    it("answers validation errors as JSON, and authenticates confidential clients", async () => {
      const bad = await push(base({ code_challenge: null }));
      expect(bad.status).toBe(400);
      expect((await bad.json()).error).toBe("invalid_request");
      const wrongRedirect = await push(base({ redirect_uri: "https://evil.example/cb" }));
      expect((await wrongRedirect.json()).error).toBe("invalid_request");
      const unauth = await push(base({ client_id: "conf" }));
      expect(unauth.status).toBe(401);
      expect((await unauth.json()).error).toBe("invalid_client");
    });
  });
});
