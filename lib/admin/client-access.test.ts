import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { testDatabases } from "../../tests/harness/databases";
import { testDeps, type TestDeps } from "../../tests/harness/test-deps";
import { decideRequest } from "../consent/decide";
import { getLiveGrant, grantStatus } from "../grants";
import { handleBackchannel } from "../oauth/ciba/backchannel";
import { handleRegister } from "../oauth/clients/register";
import { hashHandle } from "../oauth/handles";
import { ensureSigningKeys } from "../oauth/keys";
import { GRANT_TYPES } from "../oauth/supported";
import { handleToken } from "../oauth/token/handle";
import { readGrantStatus } from "../resource-server/grant-status";
import { runAdmin } from "./commands";

const ISSUER = "http://localhost:3000";

describe.each(testDatabases())("admin client control (enable-ciba, disable-ciba, revoke-client) on $name", (target) => {
  let db: Db;
  let deps: TestDeps;
  let userId: string;
  beforeAll(async () => {
    db = await target.open();
    deps = testDeps(db, { issuerUrl: ISSUER, pollIntervalSeconds: 1 });
    await ensureSigningKeys(deps);
    deps.advance(3600);
    userId = (await db.user.create({ data: { email: "carol@example.com", passwordHash: "x" } })).id;
  });
  afterAll(() => target.close());

  const admin = (...argv: string[]) => runAdmin(argv, () => deps);

  async function register(metadata: Record<string, unknown>): Promise<Response> {
    return handleRegister(new Request(`${ISSUER}/oauth/register`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(metadata) }), deps);
  }
  async function registerCibaAgent(name: string): Promise<{ id: string; secret: string }> {
    const res = await register({ client_name: name, grant_types: [GRANT_TYPES.ciba, GRANT_TYPES.refreshToken], token_endpoint_auth_method: "client_secret_basic" });
    expect(res.status).toBe(201);
    const body = await res.json();
    return { id: body.client_id, secret: body.client_secret };
  }
  const basic = (c: { id: string; secret: string }) => `Basic ${Buffer.from(`${encodeURIComponent(c.id)}:${encodeURIComponent(c.secret)}`).toString("base64")}`;
  const post = (handler: (req: Request, d: TestDeps) => Promise<Response>, path: string, c: { id: string; secret: string }, params: Record<string, string>) =>
    handler(new Request(`${ISSUER}${path}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", authorization: basic(c) }, body: new URLSearchParams(params) }), deps);
  const ask = (c: { id: string; secret: string }) => post(handleBackchannel, "/oauth/backchannel", c, { login_hint: "carol@example.com", scope: "messages:send", authorization_details: JSON.stringify([{ type: "messaging", recipients: ["+15550100123"] }]) });

  /** Backchannel request, the user's approval, and the tokens the agent collects. */
  async function cibaTokens(c: { id: string; secret: string }) {
    const { auth_req_id } = await (await ask(c)).json();
    const request = await db.authorizationRequest.findUniqueOrThrow({ where: { authReqIdHash: hashHandle(auth_req_id) } });
    const { grantId } = await decideRequest(deps, { requestId: request.id, userId, decision: "approve" });
    const res = await post(handleToken, "/oauth/token", c, { grant_type: GRANT_TYPES.ciba, auth_req_id });
    expect(res.status).toBe(200);
    return { grantId: grantId!, ...((await res.json()) as { access_token: string; refresh_token: string }) };
  }

  it("checklist 130: a self-registered client may list the CIBA grant type, but prompts no one until `admin enable-ciba`; `disable-ciba` stops it again", async () => {
    const agent = await registerCibaAgent("Trip Planner");
    expect(await db.client.findUniqueOrThrow({ where: { id: agent.id } })).toMatchObject({ cibaEnabled: false });
    const refused = await ask(agent);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: "unauthorized_client" });
    expect(await db.notification.count({ where: { userId } })).toBe(0);

    expect(await admin("enable-ciba", agent.id)).toMatchObject({ code: 0, stdout: `CIBA enabled for client ${agent.id}.` });
    expect((await ask(agent)).status).toBe(200);
    expect(await admin("enable-ciba", agent.id)).toMatchObject({ code: 0, stdout: expect.stringContaining("already enabled") });
    expect(await admin("disable-ciba", agent.id)).toMatchObject({ code: 0, stdout: `CIBA disabled for client ${agent.id}.` });
    expect((await ask(agent)).status).toBe(400);
    const updates = await db.auditEvent.findMany({ where: { type: "client.updated", clientId: agent.id }, orderBy: { seq: "asc" } });
    expect(updates.map((e) => JSON.parse(e.details))).toEqual([{ ciba_enabled: true }, { ciba_enabled: false }]);
  });

  it("checklist 130: enable-ciba refuses an unknown client, a public client and a client that did not register CIBA", async () => {
    expect(await admin("enable-ciba", "no-such-client")).toMatchObject({ code: 1, stderr: expect.stringContaining("No client") });
    const codeOnly = await (await register({ redirect_uris: ["https://agent.example/cb"], token_endpoint_auth_method: "none" })).json();
    expect(await admin("enable-ciba", codeOnly.client_id)).toMatchObject({ code: 1, stderr: expect.stringContaining("did not register the CIBA grant type") });
    const publicCiba = await (await register({ grant_types: [GRANT_TYPES.ciba], token_endpoint_auth_method: "none" })).json();
    expect(await admin("enable-ciba", publicCiba.client_id)).toMatchObject({ code: 1, stderr: expect.stringContaining("public client") });
    expect(await admin("enable-ciba")).toMatchObject({ code: 2 });
  });

  it("checklist 134: after `admin revoke-client` the token endpoint refuses the client, and every grant of it reports revoked", async () => {
    const agent = await registerCibaAgent("Doomed Agent");
    await admin("enable-ciba", agent.id);
    const first = await cibaTokens(agent);
    const second = await cibaTokens(agent);
    const pending = (await (await ask(agent)).json()).auth_req_id as string;
    expect(await grantStatus(db, [first.grantId], deps.now())).toMatchObject([{ status: "active" }]);

    const out = await admin("revoke-client", agent.id);
    expect(out).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^Revoked client ${agent.id}; 2 grants, 2 refresh and 2 access tokens revoked\\.$`)) });

    const refresh = await post(handleToken, "/oauth/token", agent, { grant_type: "refresh_token", refresh_token: first.refresh_token });
    expect(refresh.status).toBe(401);
    expect(await refresh.json()).toMatchObject({ error: "invalid_client" });
    deps.advance(2);
    expect((await post(handleToken, "/oauth/token", agent, { grant_type: GRANT_TYPES.ciba, auth_req_id: pending })).status).toBe(401);
    expect((await ask(agent)).status).toBe(401);

    expect(await grantStatus(db, [first.grantId, second.grantId], deps.now())).toMatchObject([{ status: "revoked" }, { status: "revoked" }]);
    expect(await readGrantStatus(db, first.grantId, undefined, deps.now())).toEqual({ live: false, reason: "grant_revoked" });
    expect(await getLiveGrant(db, second.grantId, deps.now())).toBeNull();
    expect(await db.client.findUniqueOrThrow({ where: { id: agent.id } })).toMatchObject({ revokedAt: expect.any(Date), cibaEnabled: false });
    expect(await db.authorizationRequest.count({ where: { clientId: agent.id, status: "pending" } })).toBe(0);
    // Revoked is final: it cannot be enabled again, and a second revoke only sweeps again.
    expect(await admin("enable-ciba", agent.id)).toMatchObject({ code: 1, stderr: expect.stringContaining("was revoked") });
    expect(await admin("revoke-client", agent.id)).toMatchObject({ code: 0, stdout: expect.stringContaining("was already revoked") });
    expect(await admin("revoke-client", "no-such-client")).toMatchObject({ code: 1 });
  });

  it("checklist 133: registration refuses a client_name with format, bidirectional-override or zero-width characters", async () => {
    for (const name of ["Trip \u202EPlanner", "\u2066Bank\u2069", "Pay\u200Bpal", "a\u200Eb", "a\u200Fb", "x\uFEFFy", "a\u2028b"]) {
      const res = await register({ client_name: name, grant_types: [GRANT_TYPES.ciba], token_endpoint_auth_method: "client_secret_basic" });
      expect(res.status, JSON.stringify(name)).toBe(400);
      expect(await res.json()).toMatchObject({ error: "invalid_client_metadata", error_description: expect.stringContaining("client_name") });
    }
    expect(await db.client.count({ where: { name: { contains: "\u202E" } } })).toBe(0);
    expect((await register({ client_name: "Zürich Trip Planner ✈ 東京", grant_types: [GRANT_TYPES.ciba], token_endpoint_auth_method: "client_secret_basic" })).status).toBe(201);
  });
});
