import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../db/client";
import { testDatabases } from "../../../tests/harness/databases";
import { testDeps, type TestDeps } from "../../../tests/harness/test-deps";
import { decideRequest } from "../../consent/decide";
import { ensureSigningKeys } from "../keys";
import { toClientRecord } from "../clients/store";
import { GRANT_TYPES } from "../supported";
import { hashHandle } from "../handles";
import { handleDeviceAuthorization } from "./authorization";
import { claimUserCode } from "./claim";
import { handleDeviceCodeGrant } from "./grant";

const ISSUER = "http://localhost:3000";
const DETAILS = [{ type: "messaging", actions: ["send"], recipients: ["+15550100123"], max_messages: 3 }];

describe.each(testDatabases())("device authorization grant on $name", (target) => {
  let db: Db;
  let deps: TestDeps;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    db = await target.open();
    deps = testDeps(db, { issuerUrl: ISSUER, pollIntervalSeconds: 5, deviceCodeTtlSeconds: 600 });
    await ensureSigningKeys(deps);
    deps.advance(3600);
    alice = (await db.user.create({ data: { email: "alice@example.com", passwordHash: "x" } })).id;
    bob = (await db.user.create({ data: { email: "bob@example.com", passwordHash: "x" } })).id;
    await db.client.create({ data: { id: "cli-agent", kind: "dynamic", name: "CLI", tokenEndpointAuthMethod: "none", grantTypes: JSON.stringify([GRANT_TYPES.deviceCode]) } });
  });
  afterAll(() => target.close());

  const start = async (params: Record<string, string> = {}) => {
    const res = await handleDeviceAuthorization(
      new Request(`${ISSUER}/oauth/device_authorization`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ client_id: "cli-agent", authorization_details: JSON.stringify(DETAILS), ...params }),
      }),
      deps,
    );
    return { status: res.status, body: await res.json() };
  };

  const poll = async (deviceCode: string) => {
    const client = toClientRecord(await db.client.findUniqueOrThrow({ where: { id: "cli-agent" } }));
    try {
      const res = await handleDeviceCodeGrant({ form: new URLSearchParams({ grant_type: GRANT_TYPES.deviceCode, device_code: deviceCode }), client, deps });
      return { status: res.status, body: await res.json() };
    } catch (err) {
      return { status: (err as { status: number }).status, body: { error: (err as { code: string }).code } };
    }
  };

  it("answers device_code, user_code, verification URIs, expires_in and interval (RFC 8628 section 3.2)", async () => {
    const { status, body } = await start();
    expect(status).toBe(200);
    expect(body).toEqual({
      device_code: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      user_code: expect.stringMatching(/^[B-DF-HJ-NP-TV-XZ]{4}-[B-DF-HJ-NP-TV-XZ]{4}$/),
      verification_uri: `${ISSUER}/device`,
      verification_uri_complete: `${ISSUER}/device?user_code=${body.user_code}`,
      expires_in: 600,
      interval: 5,
    });
    const row = await db.authorizationRequest.findUniqueOrThrow({ where: { deviceCodeHash: hashHandle(body.device_code) } });
    expect(row).toMatchObject({ flow: "device", status: "pending", userId: null, scope: "messages:send" });
  });

  it("rejects malformed authorization details with a clear error", async () => {
    const { status, body } = await start({ authorization_details: "[{\"type\":\"messaging\",\"recipients\":[\"12\"]}]" });
    expect(status).toBe(400);
    expect(body.error).toBe("invalid_authorization_details");
    expect(body.error_description).toMatch(/recipients/);
  });

  it("lets the first user who enters the code decide, in any case and spacing; others are told it was used", async () => {
    const { body } = await start();
    expect(await claimUserCode(deps, alice, "nope")).toMatchObject({ ok: false });
    const claimed = await claimUserCode(deps, alice, body.user_code.toLowerCase().replace("-", " "));
    expect(claimed).toMatchObject({ ok: true });
    expect(await claimUserCode(deps, alice, body.user_code)).toEqual(claimed);
    expect(await claimUserCode(deps, bob, body.user_code)).toEqual({ ok: false, error: "That code was already used." });
  });

  it("polls to tokens once the user approved", async () => {
    const { body } = await start();
    expect((await poll(body.device_code)).body.error).toBe("authorization_pending");
    const claimed = await claimUserCode(deps, alice, body.user_code);
    if (!claimed.ok) throw new Error(claimed.error);
    await decideRequest(deps, { requestId: claimed.requestId, userId: alice, decision: "approve" });
    deps.advance(5);
    const ok = await poll(body.device_code);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ token_type: "Bearer", authorization_details: DETAILS });
    expect(ok.body.refresh_token).toBeUndefined();
  });

  it("expires codes: expired_token for the agent, a clear message for the user", async () => {
    const { body } = await start();
    deps.advance(601);
    expect(await claimUserCode(deps, alice, body.user_code)).toMatchObject({ ok: false, error: expect.stringContaining("expired") });
    // checklist 25: never answered -> expired_token for the polling agent
    expect((await poll(body.device_code)).body.error).toBe("expired_token");
  });
});
