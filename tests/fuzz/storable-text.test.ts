// The cases the fuzz suite found (or that were reported), one by one: text PostgreSQL cannot
// store (U+0000) and text UTF-8 cannot encode (a lone surrogate) is refused with the endpoint's
// normal 4xx wherever it enters: form fields, JSON fields, query strings, decoded Basic
// credentials, unverified JWT claims, path ids and fetched metadata documents.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../lib/db/client";
import { handleConsentDecision } from "../../lib/consent/post-handler";
import { createMessagingApiContext } from "../../lib/messaging/api/context";
import { handleGetMessage } from "../../lib/messaging/api/get-message";
import { handlePostMessage } from "../../lib/messaging/api/post-message";
import { sandboxProvider } from "../../lib/messaging/providers/sandbox";
import { makeGrant as makeMessagingGrant, testDeps as messagingDeps } from "../../lib/messaging/test-fixtures";
import { handleAuthorize } from "../../lib/oauth/authorize/handle";
import { handlePar } from "../../lib/oauth/authorize/par";
import { findClient } from "../../lib/oauth/clients/find";
import { handleRegister } from "../../lib/oauth/clients/register";
import { CLIENT_ASSERTION_TYPE } from "../../lib/oauth/supported";
import { handleToken } from "../../lib/oauth/token/handle";
import { makeClient, REDIRECT_URI } from "../../lib/oauth/token/test-fixtures";
import { JwksCache } from "../../lib/resource-server/jwks-cache";
import { startTestIssuer, type TestIssuer } from "../../lib/resource-server/test-issuer";
import { testDatabases } from "../harness/databases";
import { testDeps, type TestDeps } from "../harness/test-deps";

const form = (url: string, body: string, headers: Record<string, string> = {}) =>
  new Request(url, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers }, body });

async function expectOAuthError(res: Response, status: number, error: string) {
  expect(res.status).toBe(status);
  expect(((await res.json()) as { error: string }).error).toBe(error);
}

describe.each(testDatabases())("text that cannot be stored, on $name", (target) => {
  let db: Db;
  let deps: TestDeps;
  let issuer: TestIssuer;
  let docs: Server;
  let docBase = "";
  const docBodies: Record<string, string> = {};

  beforeAll(async () => {
    db = await target.open();
    deps = testDeps(db);
    issuer = await startTestIssuer();
    docs = createServer((req, res) => {
      const body = docBodies[req.url ?? ""];
      if (body === undefined) return void res.writeHead(404).end();
      res.writeHead(200, { "Content-Type": "application/json" }).end(body);
    });
    await new Promise<void>((r) => docs.listen(0, "127.0.0.1", r));
    docBase = `http://127.0.0.1:${(docs.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => docs.close(() => r()));
    await issuer.close();
    await target.close();
  });

  const tokenUrl = () => `${deps.config.issuerUrl}/oauth/token`;

  it("answers client_id=%00 and other NUL or lone-surrogate form fields at the token endpoint with 400 invalid_request (checklist 141)", async () => {
    await expectOAuthError(await handleToken(form(tokenUrl(), "grant_type=client_credentials&client_id=%00"), deps), 400, "invalid_request");
    await expectOAuthError(await handleToken(form(tokenUrl(), "grant_type=authorization_code&code=a%00b&client_id=x"), deps), 400, "invalid_request");
    // A lone surrogate cannot come out of a form (it decodes to U+FFFD), but raw invalid UTF-8 is refused too.
    const bytes = new Uint8Array([...new TextEncoder().encode("grant_type=client_credentials&client_id="), 0xed, 0xa0, 0x80]);
    await expectOAuthError(await handleToken(new Request(tokenUrl(), { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: bytes }), deps), 400, "invalid_request");
  });

  it("stops reading a token request without Content-Length at 64 KB, with 413, instead of buffering it whole (checklist 140)", async () => {
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new TextEncoder().encode(`x${"a".repeat(16 * 1024)}=`));
      },
    });
    // @ts-expect-error: Node's fetch needs duplex for a streamed request body.
    const req = new Request(tokenUrl(), { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: endless, duplex: "half" });
    await expectOAuthError(await handleToken(req, deps), 413, "invalid_request");
    expect(pulled).toBeLessThan(10);
  });

  it("answers NUL in percent-decoded Basic credentials and in an unverified client_assertion sub with the endpoint's 4xx (checklist 141)", async () => {
    const basic = `Basic ${Buffer.from("%00:secret").toString("base64")}`;
    await expectOAuthError(await handleToken(form(tokenUrl(), "grant_type=client_credentials", { Authorization: basic }), deps), 401, "invalid_client");
    const assertion = await new SignJWT({ iss: "\0", sub: "\0", aud: tokenUrl(), jti: "j" }).setProtectedHeader({ alg: "ES256" }).setExpirationTime("1m").sign(issuer.privateKey);
    const res = await handleToken(form(tokenUrl(), new URLSearchParams({ grant_type: "client_credentials", client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion }).toString()), deps);
    expect(res.status).toBe(401);
  });

  it("answers NUL and lone surrogates in JSON, query strings and pushed requests with 400 (checklist 141)", async () => {
    const register = (body: string) => new Request(`${deps.config.issuerUrl}/oauth/register`, { method: "POST", headers: { "Content-Type": "application/json" }, body });
    await expectOAuthError(await handleRegister(register(`{"redirect_uris":["${REDIRECT_URI}"],"client_name":"a\\u0000b"}`), deps), 400, "invalid_request");
    await expectOAuthError(await handleRegister(register(`{"redirect_uris":["${REDIRECT_URI}"],"software_id":"\\ud800"}`), deps), 400, "invalid_request");
    const client = await makeClient(db);
    const authorize = await handleAuthorize(new Request(`${deps.config.issuerUrl}/oauth/authorize?client_id=${client.id}&state=%00`), deps);
    expect(authorize.status).toBe(400);
    expect(await authorize.text()).toMatch(/NUL/);
    await expectOAuthError(await handlePar(form(`${deps.config.issuerUrl}/oauth/par`, `client_id=${client.id}&state=a%00`), deps), 400, "invalid_request");
  });

  it("refuses a client metadata document holding NUL or a lone surrogate, and stores nothing (checklist 141)", async () => {
    for (const [name, text] of [["nul", "a\\u0000b"], ["surrogate", "\\udfff"]]) {
      const id = `${docBase}/${target.name}-${name}.json`;
      docBodies[`/${target.name}-${name}.json`] = `{"client_id":"${id}","redirect_uris":["${REDIRECT_URI}"],"client_name":"${text}"}`;
      await expect(findClient(deps, id)).rejects.toThrow(/NUL or unpaired surrogate/);
      expect(await db.client.findUnique({ where: { id } })).toBeNull();
    }
  });

  it("answers NUL in a consent request id with 404 and a lone surrogate in a message id with 404 (checklist 141)", async () => {
    const user = await db.user.create({ data: { email: `storable-${target.name}@example.com`, passwordHash: "x" } });
    const decision = form(`${deps.config.issuerUrl}/consent/x/decision`, "decision=deny", { Origin: deps.config.issuerUrl });
    expect((await handleConsentDecision(decision, deps, { requestId: "\0", userId: user.id })).status).toBe(404);

    const messagingUrl = "http://localhost:3000/api/messages";
    const api = createMessagingApiContext(messagingDeps(db, { ISSUER_URL: issuer.issuer, MESSAGING_RESOURCE_URL: messagingUrl }), {
      getKey: new JwksCache({ issuer: issuer.issuer }).getKey,
      provider: sandboxProvider(),
    });
    const g = await makeMessagingGrant(db);
    const token = await issuer.mint({ sub: g.userId, client_id: g.clientId, grant_id: g.grantId, authorization_details: g.details, aud: messagingUrl });
    const auth = { Authorization: `Bearer ${token}` };
    const res = await handleGetMessage(new Request(`${messagingUrl}/x`, { headers: auth }), api, "\ud800");
    expect(res.status).toBe(404);
    const post = new Request(messagingUrl, { method: "POST", headers: { ...auth, "Content-Type": "application/json" }, body: '{"to":"+15550100123","body":"a\\u0000b"}' });
    const posted = await handlePostMessage(post, api);
    expect(posted.status).toBe(400);
    expect(((await posted.json()) as { error: string }).error).toBe("invalid_request");
    expect(await db.message.count({ where: { grantId: g.grantId } })).toBe(0);
  });
});
