// The authorization code flow end to end: a strict OAuth client library (oauth4webapi) runs inside Chromium, on
// an origin of its own (so every call to the issuer is a real cross-origin request and needs
// CORS), against the real web app. Playwright only signs the user in and presses Approve.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { calculateJwkThumbprint, createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from "jose";
import type { Page } from "@playwright/test";
import { test, expect } from "./fixtures";

const LIBRARY = readFileSync(path.resolve("node_modules/oauth4webapi/build/index.js"), "utf8");
const DETAILS = [{ type: "messaging", actions: ["send"], recipients: ["+15550100123"], max_messages: 3 }];
const SCOPE = "messages:send messages:read";

/**
 * The agent's own web origin: a real HTTP server on a loopback port (a loopback redirect URI
 * may use any port), serving a blank page and the library's ESM build. Served for real, not
 * by request interception, so Chromium's Local Network Access rules see a local page calling
 * a local issuer, as on a developer's machine.
 */
function startAgentServer(): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://agent");
    if (url.pathname === "/oauth4webapi.js") {
      res.writeHead(200, { "Content-Type": "text/javascript" }).end(LIBRARY);
      return;
    }
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end("<!doctype html><meta charset=utf-8><title>Agent</title><p>Agent app</p>");
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** Loads oauth4webapi into the current page as window.oauth. */
async function loadLibrary(page: Page): Promise<void> {
  await page.addScriptTag({ type: "module", content: 'import * as oauth from "/oauth4webapi.js"; window.oauth = oauth;' });
  await page.waitForFunction(() => "oauth" in window);
}

// Step results cross the page/test boundary as JSON; the library's objects stay in the page.
type Json = Record<string, unknown>;

/**
 * Steps 1 to 4 of the issue, all inside the page: discovery, registration, authorization with
 * PKCE, resource and authorization_details (Playwright presses Approve), the DPoP code exchange.
 */
async function runCodeFlow(page: Page, { issuer, mcpUrl }: { issuer: string; mcpUrl: string }) {
  await page.goto(`${AGENT_ORIGIN}/`);
  await loadLibrary(page);

  // 1. Discovery, strictly validated (issuer identifier, https-or-explicitly-allowed, shape);
  // 2. registration (RFC 7591) as a public client.
  const setup = await page.evaluate(
    async ({ issuer, redirectUri, scope, resource, details }) => {
      const oauth = (window as unknown as { oauth: typeof import("oauth4webapi") }).oauth;
      const insecure = { [oauth.allowInsecureRequests]: true };
      const issuerUrl = new URL(issuer);
      const as = await oauth.processDiscoveryResponse(issuerUrl, await oauth.discoveryRequest(issuerUrl, { algorithm: "oauth2", ...insecure }));
      const registered = await oauth.processDynamicClientRegistrationResponse(
        await oauth.dynamicClientRegistrationRequest(
          as,
          { client_name: "Strict browser agent", redirect_uris: [redirectUri], token_endpoint_auth_method: "none", grant_types: ["authorization_code", "refresh_token"], response_types: ["code"], scope },
          insecure,
        ),
      );
      const verifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      const authorize = new URL(as.authorization_endpoint!);
      authorize.search = new URLSearchParams({
        response_type: "code",
        client_id: registered.client_id,
        redirect_uri: redirectUri,
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: "S256",
        state,
        scope,
        resource,
        authorization_details: JSON.stringify(details),
      }).toString();
      return { as: JSON.parse(JSON.stringify(as)), clientId: registered.client_id, verifier, state, authorizeUrl: authorize.href };
    },
    { issuer, redirectUri: REDIRECT_URI, scope: SCOPE, resource: mcpUrl, details: DETAILS },
  );
  const as = setup.as as Json;
  expect(as.issuer).toBe(issuer);
  expect(as.code_challenge_methods_supported).toEqual(["S256"]);
  expect(as.dpop_signing_alg_values_supported).toContain("ES256");
  expect(as.grant_types_supported).not.toContain("password");
  expect(as.grant_types_supported).not.toContain("implicit");

  // 3. Authorization: the user (already signed in) sees the consent page and approves.
  await page.goto(setup.authorizeUrl);
  await expect(page).toHaveURL(/\/consent\//);
  await expect(page.getByText("+1 555-010-0123").first()).toBeVisible();
  await page.getByRole("button", { name: "Approve" }).click();
  await page.waitForURL(`${REDIRECT_URI}?**`);
  const callback = new URL(page.url());
  expect(callback.searchParams.get("iss")).toBe(issuer);
  expect(callback.searchParams.get("state")).toBe(setup.state);
  await loadLibrary(page);

  // 4. The code exchange with a DPoP proof (the key never leaves the page: non-extractable).
  const exchanged = await page.evaluate(
    async ({ as, clientId, verifier, state, redirectUri, resource }) => {
      const w = window as unknown as { oauth: typeof import("oauth4webapi"); agent: unknown; callMcp: unknown; replayCode: unknown };
      const oauth = w.oauth;
      const insecure = { [oauth.allowInsecureRequests]: true };
      const server = as as unknown as import("oauth4webapi").AuthorizationServer;
      const client: import("oauth4webapi").Client = { client_id: clientId };
      const params = oauth.validateAuthResponse(server, client, new URL(location.href), state);
      const keyPair = await oauth.generateKeyPair("ES256");
      const DPoP = oauth.DPoP(client, keyPair);
      w.agent = { server, client, DPoP };
      // A DPoP-protected tool call at the MCP server (RFC 9449 section 7: the proof carries ath).
      w.callMcp = async (token: string, mcpUrl: string) => {
        const headers = new Headers({ "Content-Type": "application/json", Accept: "application/json, text/event-stream" });
        const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "describe_grant", arguments: {} } });
        try {
          const res = await oauth.protectedResourceRequest(token, "POST", new URL(mcpUrl), headers, body, { DPoP, ...insecure });
          const text = await res.text();
          const sse = (res.headers.get("content-type") ?? "").includes("text/event-stream");
          const message = JSON.parse(sse ? text.split("\n").find((l) => l.startsWith("data:"))!.slice(5) : text);
          return { status: res.status, isError: Boolean(message.result?.isError), error: message.result?.structuredContent?.error ?? message.error?.message };
        } catch (err) {
          const e = err as { status?: number; name: string };
          return { status: e.status ?? 0, isError: true, error: e.name };
        }
      };
      const redeem = () =>
        oauth.authorizationCodeGrantRequest(server, client, oauth.None(), params, redirectUri, verifier, {
          DPoP,
          additionalParameters: { resource },
          ...insecure,
        });
      // Presents the same code again with its verifier and DPoP key, as an attacker who stole all
      // three would: that replay revokes the grant (a bare spent code would not; checklist 152).
      w.replayCode = async () => {
        try {
          await oauth.processAuthorizationCodeResponse(server, client, await redeem());
          return { ok: true };
        } catch (err) {
          const e = err as { error?: string; status?: number; message: string };
          return { ok: false, error: e.error ?? e.message, status: e.status };
        }
      };
      const response = await redeem();
      const headers = { cacheControl: response.headers.get("cache-control"), dpopNonce: response.headers.get("dpop-nonce") };
      const tokens = await oauth.processAuthorizationCodeResponse(server, client, response);
      const publicJwk = await crypto.subtle.exportKey("jwk", keyPair.publicKey);
      return { tokens: JSON.parse(JSON.stringify(tokens)), publicJwk, headers };
    },
    { as, clientId: setup.clientId, verifier: setup.verifier, state: setup.state, redirectUri: REDIRECT_URI, resource: mcpUrl },
  );
  return { as, setup, exchanged };
}

/** A DPoP-protected describe_grant tool call at the MCP server, from the page. */
function callMcp(page: Page, token: string, mcpUrl: string) {
  return page.evaluate(
    ({ token, mcpUrl }) => (window as unknown as { callMcp: (t: string, u: string) => Promise<{ status: number; isError: boolean; error?: string }> }).callMcp(token, mcpUrl),
    { token, mcpUrl },
  );
}

let agentServer: Server;
let AGENT_ORIGIN = "";
let REDIRECT_URI = "";

test.beforeAll(async () => {
  agentServer = await startAgentServer();
  AGENT_ORIGIN = `http://127.0.0.1:${(agentServer.address() as AddressInfo).port}`;
  REDIRECT_URI = `${AGENT_ORIGIN}/callback`;
});
test.afterAll(() => new Promise<void>((resolve) => agentServer.close(() => resolve())));

test.describe("OAuth 2.1 with a strict client library in the browser", () => {
  test("discovery, registration, PKCE + resource + authorization_details, DPoP code exchange, verified token, refresh, reuse detection, revocation", async ({
    page,
    baseURL,
    mcpUrl,
    env,
    createUser,
    signIn,
  }) => {
    const issuer = baseURL!;
    const user = await createUser();
    await signIn(page, user);
    const { as, setup, exchanged } = await runCodeFlow(page, { issuer, mcpUrl });
    const tokens = exchanged.tokens as Json;
    expect(String(tokens.token_type).toLowerCase()).toBe("dpop");
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(tokens.authorization_details).toEqual(DETAILS);
    expect(exchanged.headers.cacheControl).toBe("no-store");
    expect(exchanged.headers.dpopNonce).toBeTruthy();

    // 5. The access token verified with jose against the published JWKS.
    const accessToken = String(tokens.access_token);
    expect(decodeProtectedHeader(accessToken)).toMatchObject({ alg: "ES256", typ: "at+jwt" });
    const jwks = createRemoteJWKSet(new URL(String(as.jwks_uri)));
    const { payload } = await jwtVerify(accessToken, jwks, { algorithms: ["ES256"], typ: "at+jwt", issuer, audience: mcpUrl });
    expect(payload.cnf).toEqual({ jkt: await calculateJwkThumbprint(exchanged.publicJwk as JWK) });
    expect(payload.authorization_details).toEqual(DETAILS);
    expect(payload.client_id).toBe(setup.clientId);
    expect(payload.scope).toBe(SCOPE);
    expect(Number(payload.exp) - Number(payload.iat)).toBeLessThanOrEqual(900);
    const grantId = String(payload.grant_id);
    expect(await callMcp(page, accessToken, mcpUrl)).toMatchObject({ status: 200, isError: false });

    // 6. A refresh (same key); its retry inside the reuse leeway gets the same successor; once
    // the successor is used, reuse of the old refresh token is invalid_grant and the grant is
    // revoked, so the newest refresh token is dead too; then revocation (RFC 7009).
    const lifecycle = await page.evaluate(
      async ({ oldRefresh }) => {
        const w = window as unknown as {
          oauth: typeof import("oauth4webapi");
          agent: { server: import("oauth4webapi").AuthorizationServer; client: import("oauth4webapi").Client; DPoP: import("oauth4webapi").DPoPHandle };
        };
        const { oauth, agent } = w;
        const insecure = { [oauth.allowInsecureRequests]: true };
        const refresh = async (token: string) => {
          const res = await oauth.refreshTokenGrantRequest(agent.server, agent.client, oauth.None(), token, { DPoP: agent.DPoP, ...insecure });
          try {
            return { ok: true as const, tokens: JSON.parse(JSON.stringify(await oauth.processRefreshTokenResponse(agent.server, agent.client, res))) };
          } catch (err) {
            const e = err as { error?: string; status?: number; message: string };
            return { ok: false as const, error: e.error ?? e.message, status: e.status };
          }
        };
        const first = await refresh(oldRefresh);
        if (!first.ok) return { first };
        const retry = await refresh(oldRefresh);
        const second = await refresh(first.tokens.refresh_token);
        if (!second.ok) return { first, retry, second };
        const reuse = await refresh(oldRefresh);
        const afterReuse = await refresh(second.tokens.refresh_token);
        const revocation = await oauth.revocationRequest(agent.server, agent.client, oauth.None(), first.tokens.access_token, {
          additionalParameters: { token_type_hint: "access_token" },
          ...insecure,
        });
        const revocationStatus = revocation.status;
        await oauth.processRevocationResponse(revocation);
        return { first, retry, second, reuse, afterReuse, revocationStatus };
      },
      { oldRefresh: String(tokens.refresh_token) },
    );
    expect(lifecycle.first.ok).toBe(true);
    expect(lifecycle.first.ok && lifecycle.first.tokens.refresh_token).not.toBe(tokens.refresh_token);
    expect(lifecycle.retry).toMatchObject({ ok: true, tokens: { refresh_token: lifecycle.first.ok && lifecycle.first.tokens.refresh_token } });
    expect(lifecycle.second?.ok).toBe(true);
    expect(lifecycle.reuse).toMatchObject({ ok: false, error: "invalid_grant", status: 400 });
    expect(lifecycle.afterReuse).toMatchObject({ ok: false, error: "invalid_grant", status: 400 });
    expect(lifecycle.revocationStatus).toBe(200);

    // The grant is revoked as resource servers see it (the grant-status feed).
    const secrets = JSON.parse(readFileSync(path.join(env.DATA_DIR, "dev-secrets.json"), "utf8")) as { mcpClientSecret: string };
    const status = await fetch(`${issuer}/api/grants/status?ids=${encodeURIComponent(grantId)}`, {
      headers: { Authorization: `Basic ${Buffer.from(`mcp-server:${encodeURIComponent(secrets.mcpClientSecret)}`).toString("base64")}` },
    });
    expect(status.status).toBe(200);
    expect(((await status.json()) as { grants: { status: string }[] }).grants[0]?.status).toBe("revoked");
    // And the first access token, still unexpired, no longer works at the MCP server.
    await expect.poll(async () => (await callMcp(page, accessToken, mcpUrl)).isError, { timeout: 5_000 }).toBe(true);
  });

  test("a replayed authorization code is refused and revokes what it produced: the first access token stops working at the MCP server", async ({
    page,
    baseURL,
    mcpUrl,
    createUser,
    signIn,
  }) => {
    const user = await createUser();
    await signIn(page, user);
    const { exchanged } = await runCodeFlow(page, { issuer: baseURL!, mcpUrl });
    const accessToken = String((exchanged.tokens as Json).access_token);
    expect(await callMcp(page, accessToken, mcpUrl)).toMatchObject({ status: 200, isError: false });
    const replay = await page.evaluate(() => (window as unknown as { replayCode: () => Promise<Json> }).replayCode());
    expect(replay).toMatchObject({ ok: false, error: "invalid_grant", status: 400 });
    await expect.poll(async () => (await callMcp(page, accessToken, mcpUrl)).isError, { timeout: 5_000 }).toBe(true);
  });

  test("the authorization endpoint sends no CORS headers; the token, revocation and introspection endpoints do", async ({ baseURL }) => {
    const origin = { Origin: AGENT_ORIGIN };
    const authorize = await fetch(`${baseURL}/oauth/authorize?client_id=x`, { headers: origin, redirect: "manual" });
    expect(authorize.headers.get("access-control-allow-origin")).toBeNull();
    for (const endpoint of ["/oauth/token", "/oauth/revoke", "/oauth/introspect"]) {
      const preflight = await fetch(`${baseURL}${endpoint}`, {
        method: "OPTIONS",
        headers: { ...origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type, dpop" },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
      const res = await fetch(`${baseURL}${endpoint}`, { method: "POST", headers: { ...origin, "Content-Type": "application/x-www-form-urlencoded" }, body: "grant_type=password&token=x&client_id=nobody" });
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.status).toBeGreaterThanOrEqual(400);
    }
  });
});
