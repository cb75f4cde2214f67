import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
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
import { forgetCachedClients } from "../clients/cache";

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
    deps = testDeps(db, { issuerUrl: ISSUER, pollIntervalSeconds: 5, cibaRequestTtlSeconds: 120, cibaPromptsPerUserPerHour: 50 });
    await ensureSigningKeys(deps);
    deps.advance(3600);
    userId = (await db.user.create({ data: { email: "alice@example.com", passwordHash: "x" } })).id;
    const grantTypes = JSON.stringify([GRANT_TYPES.ciba, GRANT_TYPES.refreshToken]);
    const enabled = { kind: "dynamic", secretHash: hashClientSecret(SECRET), tokenEndpointAuthMethod: "client_secret_basic", grantTypes, cibaEnabled: true };
    await db.client.create({ data: { ...enabled, id: "ciba-agent", name: "Trip Planner" } });
    await db.client.create({ data: { ...enabled, id: "other-agent" } });
    await db.client.create({ data: { ...enabled, id: "read-only", scope: "messages:read" } });
    // Registered the CIBA grant type itself (dynamic registration allows that), not enabled.
    await db.client.create({ data: { ...enabled, id: "self-registered", cibaEnabled: false } });
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
    expect(row).toMatchObject({ flow: "ciba", status: "pending", userId, clientId: "ciba-agent", bindingMessage: "Trip 42", requestedExpiry: null });
    expect(JSON.stringify(row)).not.toContain(body.auth_req_id);
    const audit = await db.auditEvent.findFirstOrThrow({ where: { type: "authorization.requested" }, orderBy: { seq: "desc" } });
    expect(audit).toMatchObject({ clientId: "ciba-agent", subjectUserId: userId });
    // The notification is sent after the answer (its latency must not tell users apart).
    const note = await vi.waitFor(() => db.notification.findFirstOrThrow({ where: { userId }, orderBy: { createdAt: "desc" } }));
    expect(note).toMatchObject({ channel: "sandbox", link: `/consent/${row.id}` });
    expect(note.title).toContain("Trip Planner");
    expect(note.body).toContain("Trip 42");
  });

  it("checklist 130: only a client an administrator enabled may send CIBA prompts, and poll for them", async () => {
    const refused = await backchannel(deps, { login_hint: "alice@example.com", scope: "messages:send" }, "self-registered");
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: "unauthorized_client", error_description: expect.stringContaining("enable-ciba") });
    expect(await db.authorizationRequest.count({ where: { clientId: "self-registered" } })).toBe(0);
    expect(await db.notification.count({ where: { userId, title: { contains: "self-registered" } } })).toBe(0);

    // Changed behind the client cache's back (admin enable-ciba empties it: lib/oauth/clients/control.ts).
    await db.client.update({ where: { id: "self-registered" }, data: { cibaEnabled: true } });
    forgetCachedClients();
    const asked = await backchannel(deps, { login_hint: "alice@example.com", scope: "messages:send" }, "self-registered");
    expect(asked.status).toBe(200);
    const { auth_req_id } = await asked.json();
    expect((await poll(deps, auth_req_id, "self-registered")).body.error).toBe("authorization_pending");
    // Disabled again: what is pending cannot be collected either.
    await db.client.update({ where: { id: "self-registered" }, data: { cibaEnabled: false } });
    forgetCachedClients();
    deps.advance(6);
    expect(await poll(deps, auth_req_id, "self-registered")).toEqual({ status: 400, body: { error: "unauthorized_client" } });
  });

  it("checklist 131: an unknown or disabled login_hint gets the same answer as a user's, and an auth_req_id that only ever expires", async () => {
    await db.user.create({ data: { email: "gone@example.com", passwordHash: "x", disabledAt: deps.now() } });
    const answers = await Promise.all(["alice@example.com", "nobody@example.com", "gone@example.com"].map((hint) => request({ login_hint: hint })));
    const bodies = await Promise.all(answers.map((r) => r.json()));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    const shape = (b: Record<string, unknown>) => ({ ...b, auth_req_id: typeof b.auth_req_id === "string" && b.auth_req_id.length });
    expect(bodies.map(shape)).toEqual(Array(3).fill({ auth_req_id: 43, expires_in: 120, interval: 5 }));
    expect(answers.map((r) => [...r.headers.keys()].sort().join())).toEqual(Array(3).fill([...answers[0]!.headers.keys()].sort().join()));

    const [known, unknown, disabled] = bodies.map((b) => b.auth_req_id as string) as [string, string, string];
    for (const id of [known, unknown, disabled]) expect(await poll(deps, id)).toEqual({ status: 400, body: { error: "authorization_pending" } });
    // Nobody can approve a request bound to no one, and nobody was notified of it.
    const decoy = await db.authorizationRequest.findUniqueOrThrow({ where: { authReqIdHash: hashHandle(unknown) } });
    expect(decoy).toMatchObject({ userId: null, loginHint: null, status: "pending" });
    await expect(decideRequest(deps, { requestId: decoy.id, userId, decision: "approve", narrowing: [{ recipients: ["+15550100123"] }] })).rejects.toMatchObject({ status: 403 });
    expect(await db.notification.count({ where: { link: `/consent/${decoy.id}` } })).toBe(0);
    deps.advance(121);
    for (const id of [known, unknown, disabled]) expect(await poll(deps, id)).toEqual({ status: 400, body: { error: "expired_token" } });
  });

  it("checklist 131: the answer does not wait for notification channels, so their latency tells no user apart", async () => {
    let hooked = 0;
    const slowHook = createServer((req, res) => {
      hooked++;
      req.resume();
      setTimeout(() => res.writeHead(204).end(), 1_000);
    });
    await new Promise<void>((r) => slowHook.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(slowHook.address() as AddressInfo).port}/hook`;
      const hooked_ = testDeps(db, { ...deps.config, notificationWebhook: { url } }, deps.now());
      const timed = async (hint: string) => {
        const started = performance.now();
        const res = await backchannel(hooked_, { login_hint: hint, scope: "messages:send" });
        expect(res.status).toBe(200);
        return performance.now() - started;
      };
      const known = await timed("alice@example.com");
      const unknown = await timed("nobody@example.com");
      // Without the detachment the known user's answer takes the webhook's whole second.
      expect(known).toBeLessThan(500);
      expect(unknown).toBeLessThan(500);
      await vi.waitFor(() => expect(hooked).toBe(1), { timeout: 3_000 });
    } finally {
      slowHook.closeAllConnections();
      slowHook.close();
    }
  });

  it("checklist 133: a binding message with format, bidirectional-override or control characters is refused", async () => {
    for (const bad of ["line one\nline two", "x".repeat(101), "Pay \u202Eevil", "a\u2066b\u2069", "zero\u200Bwidth", "rlm\u200F", "a\u0007b", "\u2028"]) {
      const res = await request({ binding_message: bad });
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(await res.json()).toMatchObject({ error: "invalid_binding_message" });
    }
    expect(await db.authorizationRequest.count({ where: { bindingMessage: { contains: "\u202E" } } })).toBe(0);
    expect((await request({ binding_message: "Trip 42 · Zürich → 東京 ✈" })).status).toBe(200);
  });

  it("checklist 135: requested_expiry sets the auth_req_id's lifetime, bounded by the configured TTL; the grant's lifetime comes from the consent", async () => {
    const short = await (await request({ requested_expiry: "30" })).json();
    expect(short.expires_in).toBe(30);
    const row = await db.authorizationRequest.findUniqueOrThrow({ where: { authReqIdHash: hashHandle(short.auth_req_id) } });
    expect(row.expiresAt.getTime() - row.createdAt.getTime()).toBe(30_000);
    expect(row.requestedExpiry).toBeNull();
    deps.advance(31);
    expect((await poll(deps, short.auth_req_id)).body.error).toBe("expired_token");

    // Longer than the configured 120 s: bounded by it.
    const long = await (await request({ requested_expiry: "604800" })).json();
    expect(long.expires_in).toBe(120);
    expect((await request({ requested_expiry: "-5" })).status).toBe(400);

    // Approved without choosing a duration: the consent's proposal (1 hour), not 604800 s.
    const grantId = await approve(deps, long.auth_req_id, [{ recipients: ["+15550100123"] }]);
    const grant = await db.grant.findUniqueOrThrow({ where: { id: grantId } });
    expect(grant.expiresAt.getTime() - deps.now().getTime()).toBe(3600_000);
    // The user may shorten it on the consent page.
    const again = await (await request()).json();
    const request_ = await db.authorizationRequest.findUniqueOrThrow({ where: { authReqIdHash: hashHandle(again.auth_req_id) } });
    const decided = await decideRequest(deps, { requestId: request_.id, userId, decision: "approve", narrowing: [{ recipients: ["+15550100123"] }], durationSeconds: 900 });
    const shortened = await db.grant.findUniqueOrThrow({ where: { id: decided.grantId! } });
    expect(shortened.expiresAt.getTime() - deps.now().getTime()).toBe(900_000);
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

  it("checklist 132: each user has a prompt budget per hour, from all clients together, counted alike for unknown addresses", async () => {
    const limited = testDeps(db, { ...deps.config, cibaPromptsPerUserPerHour: 2 }, deps.now());
    const user = await db.user.create({ data: { email: "bob@example.com", passwordHash: "x" } });
    for (const hint of [user.email, "nobody-else@example.com"]) {
      const ask = (client: string) => backchannel(limited, { login_hint: hint, scope: "messages:send" }, client);
      expect((await ask("ciba-agent")).status).toBe(200);
      expect((await ask("other-agent")).status).toBe(200);
      const refused = await ask("other-agent");
      expect(refused.status).toBe(429);
      expect(await refused.json()).toMatchObject({ error: "slow_down" });
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(60);
    }
    expect(await db.authorizationRequest.count({ where: { userId: user.id } })).toBe(2);
    // A new hour, a new budget.
    limited.advance(3601);
    expect((await backchannel(limited, { login_hint: user.email, scope: "messages:send" })).status).toBe(200);
  });
});
