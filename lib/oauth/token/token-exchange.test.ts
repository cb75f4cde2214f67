import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../../db/client";
import { writeTransaction } from "../../db";
import { revokeGrant } from "../../grants";
import { testDatabases } from "../../../tests/harness/databases";
import { testDeps, type TestDeps } from "../../../tests/harness/test-deps";
import { readGrantStatus } from "../../resource-server/grant-status";
import { signJwt } from "../keys";
import { handleIntrospection } from "../introspection";
import { handleRevocation } from "../revocation";
import { GRANT_TYPES } from "../supported";
import { handleToken, tokenEndpointUrl } from "./handle";
import { DETAILS, formRequest, json, makeClient, makeCode, makeDpopKey, makeGrant, makeUser, REDIRECT_URI, type DpopKey } from "./test-fixtures";
import { ACCESS_TOKEN_TYPE } from "./token-exchange";
import { forgetCachedClients } from "../clients/cache";

const SECRET = "service-secret-service-secret-service-secret";
const claimsOf = (jwt: unknown) => JSON.parse(Buffer.from(String(jwt).split(".")[1]!, "base64url").toString()) as Record<string, unknown>;

describe.each(testDatabases())("token exchange (RFC 8693) at the issuer, on $name", (target) => {
  let db: Db;
  let deps: TestDeps;
  let url: string;
  let userId: string;
  let agentId: string;
  let serviceId: string;

  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());
  beforeEach(async () => {
    deps = testDeps(db);
    url = tokenEndpointUrl(deps);
    userId = await makeUser(db);
    agentId = (await makeClient(db)).id;
    serviceId = (await makeClient(db, { secret: SECRET, kind: "service", grantTypes: [GRANT_TYPES.tokenExchange] })).id;
  });

  /** The agent's access token for the MCP server, from the code flow. */
  async function agentToken(o: { dpop?: DpopKey; expiresInSeconds?: number } = {}) {
    const grant = await makeGrant(deps, { userId, clientId: agentId, resource: deps.config.mcpResourceUrl, expiresInSeconds: o.expiresInSeconds });
    const { code, verifier } = await makeCode(deps, { grantId: grant.id, clientId: agentId, resource: deps.config.mcpResourceUrl });
    const res = await handleToken(
      formRequest(url, { grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: REDIRECT_URI, client_id: agentId }, { dpop: o.dpop ? await o.dpop.proof() : undefined }),
      deps,
    );
    return { grant, token: String((await json(res)).access_token) };
  }

  const exchange = (subject: string, extra: Record<string, string> = {}, client: { id: string; secret: string } = { id: serviceId, secret: SECRET }) =>
    handleToken(
      formRequest(
        url,
        { grant_type: GRANT_TYPES.tokenExchange, subject_token: subject, subject_token_type: ACCESS_TOKEN_TYPE, resource: deps.config.messagingResourceUrl, ...extra },
        { basic: client },
      ),
      deps,
    );

  async function expectError(res: Response, error: string, status = 400) {
    expect(res.status).toBe(status);
    expect((await json(res)).error).toBe(error);
  }

  it("trades the agent's MCP token for a messaging-API token naming the MCP server and the agent in act", async () => {
    const { grant, token } = await agentToken();
    const res = await exchange(token);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ issued_token_type: ACCESS_TOKEN_TYPE, token_type: "Bearer", scope: "messages:send messages:read", authorization_details: DETAILS });
    expect(body.refresh_token).toBeUndefined();
    const claims = claimsOf(body.access_token);
    expect(claims).toMatchObject({
      aud: deps.config.messagingResourceUrl,
      sub: userId,
      client_id: serviceId,
      grant_id: grant.id,
      act: { sub: serviceId, act: { sub: agentId } },
    });
    expect(Number(claims.exp)).toBeLessThanOrEqual(Math.floor(grant.expiresAt.getTime() / 1000));
    const audit = await db.auditEvent.findFirstOrThrow({ where: { grantId: grant.id, type: "token.exchanged" } });
    expect(audit).toMatchObject({ actorType: "service", actorId: serviceId, subjectUserId: userId });
    expect(audit.details).not.toContain(token);
  });

  it("defaults the audience to the messaging API and refuses any other target", async () => {
    const { token } = await agentToken();
    const noTarget = await handleToken(
      formRequest(url, { grant_type: GRANT_TYPES.tokenExchange, subject_token: token, subject_token_type: ACCESS_TOKEN_TYPE }, { basic: { id: serviceId, secret: SECRET } }),
      deps,
    );
    expect(claimsOf((await json(noTarget)).access_token).aud).toBe(deps.config.messagingResourceUrl);
    await expectError(await exchange(token, { resource: deps.config.mcpResourceUrl }), "invalid_target");
    await expectError(await exchange(token, { audience: "https://evil.example/" }), "invalid_target");
  });

  it("only narrows: wider scope or details are refused, narrower ones granted", async () => {
    const { token } = await agentToken();
    await expectError(await exchange(token, { scope: "messages:send messages:admin" }), "invalid_scope");
    const wider = [{ type: "messaging", actions: ["send"], recipients: ["+15550100199"], max_messages: 1 }];
    await expectError(await exchange(token, { authorization_details: JSON.stringify(wider) }), "invalid_authorization_details");
    const narrow = [{ type: "messaging", actions: ["send"], recipients: ["+15550100123"], max_messages: 1 }];
    const body = await json(await exchange(token, { scope: "messages:send", authorization_details: JSON.stringify(narrow) }));
    expect(body.scope).toBe("messages:send");
    expect(claimsOf(body.access_token).authorization_details).toEqual(narrow);
  });

  it("never issues past the agent's grant", async () => {
    const { token } = await agentToken({ expiresInSeconds: 200 });
    const body = await json(await exchange(token));
    expect(body.expires_in).toBeLessThanOrEqual(200);
  });

  it("refuses a subject token whose grant was revoked, and one that was itself revoked", async () => {
    const { grant, token } = await agentToken();
    await writeTransaction(db, (tx) => revokeGrant(tx, grant.id, "test", { type: "user", id: userId }));
    await expectError(await exchange(token), "invalid_request");
    const second = await agentToken();
    const claims = claimsOf(second.token);
    await db.issuedToken.update({ where: { jti: String(claims.jti) }, data: { revokedAt: deps.now() } });
    await expectError(await exchange(second.token), "invalid_request");
  });

  it("refuses subject tokens that are not ours, expired, or not for the MCP server", async () => {
    await expectError(await exchange("not-a-jwt"), "invalid_request");
    const { token } = await agentToken();
    const [h, , s] = token.split(".");
    const forgedPayload = Buffer.from(JSON.stringify({ ...claimsOf(token), scope: "messages:send messages:read admin" })).toString("base64url");
    await expectError(await exchange(`${h}.${forgedPayload}.${s}`), "invalid_request");
    deps.advance(deps.config.accessTokenTtlSeconds + 1);
    await expectError(await exchange(token), "invalid_request");
    deps.advance(-(deps.config.accessTokenTtlSeconds + 1));
    // A messaging-API token (already exchanged) is not for the MCP server.
    const exchanged = String((await json(await exchange(token))).access_token);
    await expectError(await exchange(exchanged), "invalid_request");
    // Signed by us but not an access token (typ).
    const iat = Math.floor(deps.now().getTime() / 1000);
    const idToken = await signJwt(deps, { typ: "JWT", payload: { ...claimsOf(token), iat, exp: iat + 60 } });
    await expectError(await exchange(idToken), "invalid_request");
  });

  it("bounds the delegation depth by the exchanging client's maxDelegationDepth", async () => {
    const { grant } = await agentToken();
    // A subject token that already went through one exchange (act nested once), for the MCP server.
    const iat = Math.floor(deps.now().getTime() / 1000);
    const jti = crypto.randomUUID();
    const deep = await signJwt(deps, {
      typ: "at+jwt",
      payload: {
        iss: deps.config.issuerUrl, sub: userId, aud: deps.config.mcpResourceUrl, client_id: "other-service", iat, nbf: iat, exp: iat + 300, jti,
        scope: "messages:send", authorization_details: DETAILS, grant_id: grant.id, act: { sub: "other-service", act: { sub: agentId } },
      },
    });
    await db.issuedToken.create({ data: { jti, grantId: grant.id, clientId: "other-service", expiresAt: new Date((iat + 300) * 1000) } });
    await expectError(await exchange(deep), "invalid_request");
    // Changed behind the client cache's back (lib/oauth/clients/cache.ts).
    await db.client.update({ where: { id: serviceId }, data: { maxDelegationDepth: 2 } });
    forgetCachedClients();
    const ok = await json(await exchange(deep));
    expect(claimsOf(ok.access_token).act).toEqual({ sub: serviceId, act: { sub: "other-service", act: { sub: agentId } } });
  });

  it("lets only the service client exchange a DPoP-bound subject token", async () => {
    const key = await makeDpopKey(deps, url);
    const { token } = await agentToken({ dpop: key });
    const otherSecret = "other-secret-other-secret-other-secret-other";
    const other = await makeClient(db, { secret: otherSecret, kind: "preregistered", grantTypes: [GRANT_TYPES.tokenExchange] });
    await expectError(await exchange(token, {}, { id: other.id, secret: otherSecret }), "invalid_request");
    expect((await exchange(token)).status).toBe(200);
  });

  it("refuses clients without the grant type, bad credentials, and unsupported token types", async () => {
    const { token } = await agentToken();
    const res = await handleToken(
      formRequest(url, { grant_type: GRANT_TYPES.tokenExchange, subject_token: token, subject_token_type: ACCESS_TOKEN_TYPE, client_id: agentId }),
      deps,
    );
    await expectError(res, "unauthorized_client");
    await expectError(await exchange(token, {}, { id: serviceId, secret: "wrong" }), "invalid_client", 401);
    await expectError(await exchange(token, { subject_token_type: "urn:ietf:params:oauth:token-type:id_token" }), "invalid_request");
    await expectError(await exchange(token, { requested_token_type: "urn:ietf:params:oauth:token-type:refresh_token" }), "invalid_request");
    await expectError(await exchange(token, { actor_token: token, actor_token_type: ACCESS_TOKEN_TYPE }), "invalid_request");
  });

  it("binds the exchanged token to the service's own DPoP key when it sends a proof", async () => {
    const { token } = await agentToken();
    const key = await makeDpopKey(deps, url);
    const res = await handleToken(
      formRequest(url, { grant_type: GRANT_TYPES.tokenExchange, subject_token: token, subject_token_type: ACCESS_TOKEN_TYPE }, { basic: { id: serviceId, secret: SECRET }, dpop: await key.proof() }),
      deps,
    );
    const body = await json(res);
    expect(body.token_type).toBe("DPoP");
    expect(claimsOf(body.access_token).cnf).toEqual({ jkt: key.jkt });
  });

  it("stops the exchanged token's grant with the agent's grant", async () => {
    const { grant, token } = await agentToken();
    const exchanged = claimsOf((await json(await exchange(token))).access_token);
    expect(exchanged.grant_id).toBe(grant.id);
    await writeTransaction(db, (tx) => revokeGrant(tx, grant.id, "test", { type: "user", id: userId }));
    expect((await db.issuedToken.findUniqueOrThrow({ where: { jti: String(exchanged.jti) } })).revokedAt).not.toBeNull();
  });

  it("checklist 153: the exchanged token never outlives its subject token", async () => {
    const { token } = await agentToken();
    const subjectExp = Number(claimsOf(token).exp);
    // A minute before the subject token expires, a fresh exchange would otherwise run a full TTL.
    deps.setNow(new Date((subjectExp - 60) * 1000));
    const body = await json(await exchange(token));
    const claims = claimsOf(body.access_token);
    expect(Number(claims.exp)).toBeLessThanOrEqual(subjectExp);
    expect(body.expires_in).toBeLessThanOrEqual(60);
    const row = await db.issuedToken.findUniqueOrThrow({ where: { jti: String(claims.jti) } });
    expect(row.expiresAt.getTime()).toBeLessThanOrEqual(subjectExp * 1000);
  });

  it("checklist 154: revoking the subject token, or its grant, stops the exchanged token at the resource server's status check", async () => {
    const issuer = deps.config.issuerUrl;
    const introspect = async (token: string) =>
      json(await handleIntrospection(formRequest(`${issuer}/oauth/introspect`, { token }, { basic: { id: serviceId, secret: SECRET } }), deps));
    // Revoking the subject token (RFC 7009, by the agent that holds it).
    const first = await agentToken();
    const exchangedToken = String((await json(await exchange(first.token))).access_token);
    const exchanged = claimsOf(exchangedToken);
    expect(exchanged.grant_id).toBe(first.grant.id);
    expect(await introspect(exchangedToken)).toMatchObject({ active: true });
    expect(await readGrantStatus(db, first.grant.id, String(exchanged.jti), deps.now())).toMatchObject({ live: true });
    const revoked = await handleRevocation(formRequest(`${issuer}/oauth/revoke`, { token: first.token, token_type_hint: "access_token", client_id: agentId }), deps);
    expect(revoked.status).toBe(200);
    expect(await readGrantStatus(db, first.grant.id, String(exchanged.jti), deps.now())).toEqual({ live: false, reason: "token_revoked" });
    expect(await introspect(exchangedToken)).toEqual({ active: false });
    // The grant itself lives on: the agent gave up one token, not the user's permission.
    expect((await db.grant.findUniqueOrThrow({ where: { id: first.grant.id } })).status).toBe("active");
    const audit = await db.auditEvent.findFirstOrThrow({ where: { grantId: first.grant.id, type: "token.revoked" } });
    expect(JSON.parse(audit.details)).toMatchObject({ exchanged_tokens_revoked: 1 });

    // Revoking the grant behind the subject token.
    const second = await agentToken();
    const other = claimsOf((await json(await exchange(second.token))).access_token);
    await writeTransaction(db, (tx) => revokeGrant(tx, second.grant.id, "test", { type: "user", id: userId }));
    expect(await readGrantStatus(db, String(other.grant_id), String(other.jti), deps.now())).toMatchObject({ live: false });
  });
});
