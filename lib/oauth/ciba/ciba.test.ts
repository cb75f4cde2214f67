import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeJwt } from "jose";
import type { Db } from "../../db/client";
import { writeTransaction } from "../../db/transaction";
import { testDatabases } from "../../../tests/harness/databases";
import { testDeps, type TestDeps } from "../../../tests/harness/test-deps";
import { revokeGrant } from "../../grants";
import type { MessagingDetail, Narrowing } from "../../authorization-details";
import { decideRequest } from "../../consent/decide";
import { ensureSigningKeys } from "../keys";
import { hashClientSecret } from "../clients/secrets";
import { toClientRecord } from "../clients/store";
import { GRANT_TYPES } from "../supported";
import { handleBackchannel } from "./backchannel";
import { handleCibaGrant } from "./grant";
import { hashHandle } from "../handles";

const ISSUER = "http://localhost:3000";
const SECRET = "s".repeat(43);
const ASKED = [{ type: "messaging", actions: ["send"], recipients: ["+15550100123", "+15550100124"], max_messages: 5 }];

function backchannel(deps: TestDeps, params: Record<string, string>, clientId = "ciba-agent"): Promise<Response> {
  return handleBackchannel(
    new Request(`${ISSUER}/oauth/backchannel`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${Buffer.from(`${clientId}:${SECRET}`).toString("base64")}` },
      body: new URLSearchParams(params),
    }),
    deps,
  );
}

async function poll(deps: TestDeps, authReqId: string, clientId = "ciba-agent"): Promise<{ status: number; body: Record<string, unknown> }> {
  const client = toClientRecord(await deps.db.client.findUniqueOrThrow({ where: { id: clientId } }));
  const form = new URLSearchParams({ grant_type: GRANT_TYPES.ciba, auth_req_id: authReqId });
  try {
    const res = await handleCibaGrant({ form, client, deps });
    return { status: res.status, body: await res.json() };
  } catch (err) {
    const e = err as { code: string; status: number };
    return { status: e.status, body: { error: e.code } };
  }
}

/** The consent page's Approve, with the user's narrowing (oauth-front's decideRequest). */
async function approve(deps: TestDeps, authReqId: string, narrowing: Narrowing[]): Promise<string> {
  const request = await deps.db.authorizationRequest.findUniqueOrThrow({ where: { authReqIdHash: hashHandle(authReqId) } });
  const result = await decideRequest(deps, { requestId: request.id, userId: request.userId!, decision: "approve", narrowing });
  return result.grantId!;
}

async function deny(deps: TestDeps, authReqId: string): Promise<void> {
  const request = await deps.db.authorizationRequest.findUniqueOrThrow({ where: { authReqIdHash: hashHandle(authReqId) } });
  await decideRequest(deps, { requestId: request.id, userId: request.userId!, decision: "deny" });
}

describe.each(testDatabases())("CIBA poll mode on $name", (target) => {
  let db: Db;
  let deps: TestDeps;
  let userId: string;

  beforeAll(async () => {
    db = await target.open();
    deps = testDeps(db, { issuerUrl: ISSUER, pollIntervalSeconds: 5, cibaRequestTtlSeconds: 120, cibaRequestsPerUserPerMinute: 50 });
    await ensureSigningKeys(deps);
    deps.advance(3600);
    userId = (await db.user.create({ data: { email: "alice@example.com", passwordHash: "x" } })).id;
    const grantTypes = JSON.stringify([GRANT_TYPES.ciba, GRANT_TYPES.refreshToken]);
    await db.client.create({ data: { id: "ciba-agent", kind: "dynamic", name: "Trip Planner", secretHash: hashClientSecret(SECRET), tokenEndpointAuthMethod: "client_secret_basic", grantTypes } });
    await db.client.create({ data: { id: "other-agent", kind: "dynamic", secretHash: hashClientSecret(SECRET), tokenEndpointAuthMethod: "client_secret_basic", grantTypes } });
    await db.client.create({ data: { id: "read-only", kind: "dynamic", scope: "messages:read", secretHash: hashClientSecret(SECRET), tokenEndpointAuthMethod: "client_secret_basic", grantTypes } });
    await db.client.create({ data: { id: "code-only", kind: "dynamic", secretHash: hashClientSecret(SECRET), tokenEndpointAuthMethod: "client_secret_basic" } });
  });
  afterAll(() => target.close());

  const request = (extra: Record<string, string> = {}) =>
    backchannel(deps, {
      login_hint: "Alice@Example.com",
      binding_message: "Trip 42",
      scope: "messages:send",
      authorization_details: JSON.stringify(ASKED),
      requested_expiry: "3600",
      ...extra,
    });

  it("answers an authenticated request with auth_req_id, expires_in and interval, stores only its hash, audits and notifies", async () => {
    const res = await request();
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toContain("no-store");
    const body = await res.json();
    expect(body).toEqual({ auth_req_id: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), expires_in: 120, interval: 5 });
    const row = await db.authorizationRequest.findUniqueOrThrow({ where: { authReqIdHash: hashHandle(body.auth_req_id) } });
    expect(row).toMatchObject({ flow: "ciba", status: "pending", userId, clientId: "ciba-agent", bindingMessage: "Trip 42", requestedExpiry: 3600 });
    expect(JSON.stringify(row)).not.toContain(body.auth_req_id);
    const audit = await db.auditEvent.findFirstOrThrow({ where: { type: "authorization.requested" }, orderBy: { seq: "desc" } });
    expect(audit).toMatchObject({ clientId: "ciba-agent", subjectUserId: userId });
    const note = await db.notification.findFirstOrThrow({ where: { userId }, orderBy: { createdAt: "desc" } });
    expect(note).toMatchObject({ channel: "sandbox", link: `/consent/${row.id}` });
    expect(note.title).toContain("Trip Planner");
    expect(note.body).toContain("Trip 42");
  });

  it("rejects an unknown login_hint with unknown_user_id and a bad binding message with invalid_binding_message", async () => {
    expect(await (await request({ login_hint: "nobody@example.com" })).json()).toMatchObject({ error: "unknown_user_id" });
    expect(await (await request({ binding_message: "line one\nline two" })).json()).toMatchObject({ error: "invalid_binding_message" });
    expect(await (await request({ binding_message: "x".repeat(101) })).json()).toMatchObject({ error: "invalid_binding_message" });
  });

  it("explains malformed authorization details, unknown scopes and unknown resources", async () => {
    const notArray = await request({ authorization_details: '{"type":"messaging"}' });
    expect(notArray.status).toBe(400);
    expect(await notArray.json()).toMatchObject({ error: "invalid_request", error_description: expect.stringContaining("JSON array") });
    const badPhone = await (await request({ authorization_details: JSON.stringify([{ type: "messaging", recipients: ["call me"] }]) })).json();
    expect(badPhone).toMatchObject({ error: "invalid_authorization_details", error_description: expect.stringContaining("E.164") });
    const unknownField = await (await request({ authorization_details: JSON.stringify([{ type: "messaging", recipients: ["+15550100123"], colour: "red" }]) })).json();
    expect(unknownField).toMatchObject({ error: "invalid_authorization_details", error_description: expect.stringContaining("colour") });
    expect(await (await request({ scope: "admin" })).json()).toMatchObject({ error: "invalid_scope" });
    expect(await (await request({ resource: "https://evil.example/api" })).json()).toMatchObject({ error: "invalid_target" });
  });

  it("refuses scopes the client did not register, and uses the registered scope when none is asked", async () => {
    const wider = await backchannel(deps, { login_hint: "alice@example.com", scope: "messages:send" }, "read-only");
    expect(await wider.json()).toMatchObject({ error: "invalid_scope", error_description: expect.stringContaining("messages:send") });
    const implicit = await (await backchannel(deps, { login_hint: "alice@example.com" }, "read-only")).json();
    const row = await db.authorizationRequest.findUniqueOrThrow({ where: { authReqIdHash: hashHandle(implicit.auth_req_id) } });
    expect(row).toMatchObject({ scope: "messages:read", authorizationDetails: "[]" });
  });

  it("refuses clients that did not register for CIBA and wrong credentials", async () => {
    const codeOnly = await backchannel(deps, { login_hint: "alice@example.com", scope: "messages:send" }, "code-only");
    expect(await codeOnly.json()).toMatchObject({ error: "unauthorized_client" });
    const bad = await handleBackchannel(
      new Request(`${ISSUER}/oauth/backchannel`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${Buffer.from("ciba-agent:wrong").toString("base64")}` },
        body: "login_hint=alice%40example.com&scope=messages%3Asend",
      }),
      deps,
    );
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ error: "invalid_client" });
  });

  it("polls: pending, slow_down when too fast (interval grows by 5), then exactly the approved details, once", async () => {
    const { auth_req_id } = await (await request()).json();
    expect(await poll(deps, auth_req_id)).toEqual({ status: 400, body: { error: "authorization_pending" } });
    deps.advance(1);
    expect((await poll(deps, auth_req_id)).body.error).toBe("slow_down");
    const row = await db.authorizationRequest.findUniqueOrThrow({ where: { authReqIdHash: hashHandle(auth_req_id) } });
    expect(row.pollInterval).toBe(10);
    deps.advance(6);
    expect((await poll(deps, auth_req_id)).body.error).toBe("slow_down");
    deps.advance(15);
    expect((await poll(deps, auth_req_id)).body.error).toBe("authorization_pending");

    const narrowed: MessagingDetail[] = [{ type: "messaging", actions: ["send"], recipients: ["+15550100123"], max_messages: 2 }];
    const grantId = await approve(deps, auth_req_id, [{ recipients: ["+15550100123"], maxMessages: 2 }]);
    deps.advance(15);
    const ok = await poll(deps, auth_req_id);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ token_type: "Bearer", scope: "messages:send", authorization_details: narrowed, refresh_token: expect.any(String) });
    const claims = decodeJwt(ok.body.access_token as string);
    expect(claims).toMatchObject({ grant_id: grantId, authorization_details: narrowed, sub: userId, client_id: "ciba-agent" });
    deps.advance(15);
    expect((await poll(deps, auth_req_id)).body.error).toBe("invalid_grant");
    const issued = await db.auditEvent.findFirstOrThrow({ where: { type: "token.issued", grantId } });
    expect(JSON.parse(issued.details)).toMatchObject({ grant_type: GRANT_TYPES.ciba });
  });

  it("answers access_denied after a denial and expired_token after the request's lifetime", async () => {
    const denied = (await (await request()).json()).auth_req_id;
    await deny(deps, denied);
    // checklist 25: deny -> access_denied
    expect(await poll(deps, denied)).toEqual({ status: 400, body: { error: "access_denied" } });

    // checklist 25: a request nobody answers ends in expired_token for the polling agent
    const ignored = (await (await request()).json()).auth_req_id;
    deps.advance(121);
    expect((await poll(deps, ignored)).body.error).toBe("expired_token");
    expect((await db.authorizationRequest.findUniqueOrThrow({ where: { authReqIdHash: hashHandle(ignored) } })).status).toBe("expired");
  });

  it("ends the grant of an approval the agent never collected before the request expired", async () => {
    const { auth_req_id } = await (await request()).json();
    const grantId = await approve(deps, auth_req_id, [{ recipients: ["+15550100123"] }]);
    deps.advance(121);
    expect((await poll(deps, auth_req_id)).body.error).toBe("expired_token");
    expect(await db.grant.findUniqueOrThrow({ where: { id: grantId } })).toMatchObject({ status: "revoked" });
    expect((await poll(deps, auth_req_id)).body.error).toBe("expired_token");
  });

  it("treats another client's auth_req_id as unknown and refuses a grant revoked before pickup", async () => {
    const { auth_req_id } = await (await request()).json();
    expect((await poll(deps, auth_req_id, "other-agent")).body.error).toBe("invalid_grant");
    const grantId = await approve(deps, auth_req_id, [{ recipients: ["+15550100123"] }]);
    await writeTransaction(db, (tx) => revokeGrant(tx, grantId, "test", { type: "user", id: userId }, deps.now()));
    expect((await poll(deps, auth_req_id)).body.error).toBe("invalid_grant");
  });

  it("limits requests per user", async () => {
    const limited = testDeps(db, { ...deps.config, cibaRequestsPerUserPerMinute: 1 }, deps.now());
    const user = await db.user.create({ data: { email: "bob@example.com", passwordHash: "x" } });
    const ask = () => backchannel(limited, { login_hint: user.email, scope: "messages:send" });
    expect((await ask()).status).toBe(200);
    const refused = await ask();
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
  });
});
