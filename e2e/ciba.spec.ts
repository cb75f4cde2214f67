// Out-of-band approval with OpenID CIBA (docs/ciba.md) (poll mode), against the real processes.
import { test, expect, adminCli } from "./fixtures";
import { approveOnConsent, denyOnConsent } from "./consent-actions";
import { CIBA, TWO_RECIPIENTS, backchannel, decodePayload, pollUntilDecided, registerAgent, registerCibaAgent, token, type Agent } from "./oob";

test.describe("CIBA poll mode", () => {
  // Each test enables its agent through the admin CLI (a separate process), as an operator would.
  test.describe.configure({ timeout: 120_000 });
  let agent: Agent;
  test.beforeEach(async ({ baseURL, env }) => {
    agent = await registerCibaAgent(baseURL!, env, { name: "Trip Planner" });
  });

  test("checklist 130: a self-registered CIBA client prompts nobody until `npm run admin -- enable-ciba`", async ({ baseURL, env, createUser }) => {
    const user = await createUser();
    const fresh = await registerAgent(baseURL!, { name: "Uninvited", grantTypes: [CIBA, "refresh_token"] });
    const ask = () => backchannel(fresh, { login_hint: user.email, binding_message: "Knock knock", scope: "messages:send" });
    expect(await ask()).toMatchObject({ status: 400, body: { error: "unauthorized_client" } });
    expect(await adminCli(env, "enable-ciba", fresh.clientId)).toContain(`CIBA enabled for client ${fresh.clientId}.`);
    const asked = await ask();
    expect(asked.status).toBe(200);
    expect((await token(fresh, { grant_type: CIBA, auth_req_id: String(asked.body.auth_req_id) })).body.error).toBe("authorization_pending");
  });

  test("checklist 131: an address with no account gets the same answer as a user's, and its auth_req_id only expires", async ({ createUser }) => {
    test.setTimeout(90_000);
    const user = await createUser();
    const params = { scope: "messages:send", authorization_details: JSON.stringify(TWO_RECIPIENTS), requested_expiry: "4" };
    const known = await backchannel(agent, { ...params, login_hint: user.email });
    const unknown = await backchannel(agent, { ...params, login_hint: `nobody-${Date.now()}@example.com` });
    const shape = (r: typeof known) => ({ status: r.status, keys: Object.keys(r.body).sort(), expires_in: r.body.expires_in, interval: r.body.interval });
    expect(shape(unknown)).toEqual(shape(known));
    expect(shape(known)).toEqual({ status: 200, keys: ["auth_req_id", "expires_in", "interval"], expires_in: 4, interval: 1 });
    for (const asked of [known, unknown]) {
      const result = await pollUntilDecided(agent, { grant_type: CIBA, auth_req_id: String(asked.body.auth_req_id) }, 1, 30_000);
      expect(result).toMatchObject({ status: 400, body: { error: "expired_token" } });
    }
  });

  test("a request appears on the pending list without a reload; the narrowed approval is exactly what the token carries", async ({ page, createUser, signIn }) => {
    const user = await createUser();
    await signIn(page, user);
    await page.goto("/");
    await expect(page.getByText("No agent is waiting for your approval.")).toBeVisible();

    const asked = await backchannel(agent, {
      login_hint: user.email,
      binding_message: "Trip 42",
      scope: "messages:send",
      authorization_details: JSON.stringify(TWO_RECIPIENTS),
      requested_expiry: "3600",
    });
    expect(asked.status).toBe(200);
    expect(asked.body).toMatchObject({ auth_req_id: expect.any(String), expires_in: expect.any(Number), interval: 1 });

    // Live: no reload, within two seconds.
    const item = page.getByTestId("pending-request").filter({ hasText: "Trip 42" });
    await expect(item).toBeVisible({ timeout: 2_000 });
    await expect(item).toContainText("Trip Planner");
    await expect(item).toContainText("Send up to 5 messages to +1 555-010-0123 and +1 555-010-0124");

    const params = { grant_type: CIBA, auth_req_id: String(asked.body.auth_req_id) };
    expect((await token(agent, params)).body.error).toBe("authorization_pending");

    await item.getByRole("link", { name: "Review" }).click();
    await expect(page).toHaveURL(/\/consent\//);
    await approveOnConsent(page, { drop: ["+1 555-010-0124"], maxMessages: 2 });

    const result = await pollUntilDecided(agent, params, 1);
    expect(result.status).toBe(200);
    const approved = [{ type: "messaging", actions: ["send"], recipients: ["+15550100123"], max_messages: 2 }];
    expect(result.body.authorization_details).toEqual(approved);
    const claims = decodePayload(String(result.body.access_token));
    expect(claims.authorization_details).toEqual(approved);
    expect(claims.grant_id).toEqual(expect.any(String));
    expect(claims.client_id).toBe(agent.clientId);

    // Single use: the same auth_req_id yields nothing more.
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await token(agent, params)).body.error).toBe("invalid_grant");
    // And it has left the pending list, again without a reload.
    await page.goto("/");
    await expect(page.getByTestId("pending-request").filter({ hasText: "Trip 42" })).toHaveCount(0);
  });

  test("Deny on the consent page answers access_denied to the polling agent", async ({ page, createUser, signIn }) => {
    const user = await createUser();
    await signIn(page, user);
    await page.goto("/");
    const asked = await backchannel(agent, { login_hint: user.email, binding_message: "Deny me", scope: "messages:send", authorization_details: JSON.stringify(TWO_RECIPIENTS) });
    const item = page.getByTestId("pending-request").filter({ hasText: "Deny me" });
    await expect(item).toBeVisible({ timeout: 2_000 });
    await item.getByRole("link", { name: "Review" }).click();
    await denyOnConsent(page);
    const result = await pollUntilDecided(agent, { grant_type: CIBA, auth_req_id: String(asked.body.auth_req_id) }, 1);
    expect(result).toMatchObject({ status: 400, body: { error: "access_denied" } });
  });

  test("a request nobody answers ends in expired_token", async ({ createUser, env }) => {
    test.setTimeout(90_000);
    const user = await createUser();
    // CIBA section 7.1: the agent may ask for a shorter lifetime than the configured one, which
    // keeps this wait short; the configured bound itself is tested in lib/oauth/ciba (checklist 135).
    const asked = await backchannel(agent, {
      login_hint: user.email,
      scope: "messages:send",
      authorization_details: JSON.stringify(TWO_RECIPIENTS),
      requested_expiry: "4",
    });
    expect(asked.body.expires_in).toBe(4);
    expect(4).toBeLessThan(Number(env.CIBA_REQUEST_TTL_SECONDS));
    const result = await pollUntilDecided(agent, { grant_type: CIBA, auth_req_id: String(asked.body.auth_req_id) }, 1, 60_000);
    expect(result).toMatchObject({ status: 400, body: { error: "expired_token" } });
  });

  test("polling faster than the interval answers slow_down", async ({ createUser }) => {
    const user = await createUser();
    const asked = await backchannel(agent, { login_hint: user.email, scope: "messages:send", authorization_details: JSON.stringify(TWO_RECIPIENTS) });
    const params = { grant_type: CIBA, auth_req_id: String(asked.body.auth_req_id) };
    expect((await token(agent, params)).body.error).toBe("authorization_pending");
    const fast = await token(agent, params);
    expect(fast).toMatchObject({ status: 400, body: { error: "slow_down" } });
  });

  test("malformed authorization details and a bad binding message get clear errors", async ({ createUser }) => {
    const user = await createUser();
    const notArray = await backchannel(agent, { login_hint: user.email, authorization_details: '{"type":"messaging"}' });
    expect(notArray).toMatchObject({ status: 400, body: { error: "invalid_request", error_description: expect.stringContaining("JSON array") } });
    const badRecipient = await backchannel(agent, { login_hint: user.email, authorization_details: JSON.stringify([{ type: "messaging", recipients: ["tomorrow"] }]) });
    expect(badRecipient).toMatchObject({ status: 400, body: { error: "invalid_authorization_details", error_description: expect.stringContaining("E.164") } });
    const unknownType = await backchannel(agent, { login_hint: user.email, authorization_details: JSON.stringify([{ type: "payments" }]) });
    expect(unknownType.body).toMatchObject({ error: "invalid_authorization_details", error_description: expect.stringContaining("unsupported type") });
    expect((await backchannel(agent, { login_hint: user.email, scope: "messages:send", binding_message: "a\u0007b" })).body.error).toBe("invalid_binding_message");
    // checklist 133: a right-to-left override would make the message read differently from what is stored
    expect((await backchannel(agent, { login_hint: user.email, scope: "messages:send", binding_message: "Trip \u202E24" })).body.error).toBe("invalid_binding_message");
  });

  test("the browser shows a notification for a new request when the user allowed notifications", async ({ page, context, baseURL, createUser, signIn }) => {
    await context.grantPermissions(["notifications"], { origin: baseURL });
    // Record what the page shows through the Notification API (the real one still runs).
    await page.addInitScript(() => {
      const Real = window.Notification;
      const shown: { title: string; body?: string }[] = [];
      (window as unknown as { __shown: typeof shown }).__shown = shown;
      class Recording extends Real {
        constructor(title: string, options?: NotificationOptions) {
          super(title, options);
          shown.push({ title, body: options?.body });
        }
      }
      Object.defineProperty(window, "Notification", { value: Recording, configurable: true, writable: true });
    });
    const user = await createUser();
    await signIn(page, user);
    await page.goto("/");
    await expect(page.getByTestId("pending-requests")).toBeVisible();
    await backchannel(agent, { login_hint: user.email, binding_message: "Ping 7", scope: "messages:send", authorization_details: JSON.stringify(TWO_RECIPIENTS) });
    await expect(page.getByTestId("pending-request").filter({ hasText: "Ping 7" })).toBeVisible({ timeout: 2_000 });
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { __shown: { title: string; body?: string }[] }).__shown))
      .toEqual([{ title: "Trip Planner asks for your approval", body: expect.stringContaining("Ping 7") }]);
    // The sandbox channel stored it too, and the page lists it.
    await page.getByText("Recent notifications (sandbox channel)").click();
    await expect(page.getByTestId("notification").filter({ hasText: "Ping 7" })).toBeVisible();
  });
});
