// The grants dashboard. Revoke ends the grant at once: the next refresh fails and the
// grant-status feed for resource servers says revoked.
import { test, expect, type TestUser } from "./fixtures";
import type { Page } from "@playwright/test";
import { approveOnConsent } from "./consent-actions";
import type { StackEnv } from "./stacks";
import { CIBA, backchannel, decodePayload, pollUntilDecided, registerCibaAgent, serviceCredentials, token, type Agent } from "./oob";

// Each test enables its CIBA agents through the admin CLI (a separate process).
test.describe.configure({ timeout: 120_000 });

const DETAILS = [{ type: "messaging", actions: ["send"], recipients: ["+15550100123"], max_messages: 3 }];

/** A grant with a refresh token, through CIBA approved in the browser. */
async function cibaGrant(page: Page, agent: Agent, user: TestUser, bindingMessage: string) {
  const asked = await backchannel(agent, { login_hint: user.email, binding_message: bindingMessage, authorization_details: JSON.stringify(DETAILS), requested_expiry: "3600" });
  expect(asked.status).toBe(200);
  await page.goto("/");
  const item = page.getByTestId("pending-request").filter({ hasText: bindingMessage });
  await item.getByRole("link", { name: "Review" }).click();
  await approveOnConsent(page, {});
  const result = await pollUntilDecided(agent, { grant_type: CIBA, auth_req_id: String(asked.body.auth_req_id) }, 1);
  expect(result.status).toBe(200);
  return { refreshToken: String(result.body.refresh_token), grantId: String(decodePayload(String(result.body.access_token)).grant_id) };
}

async function grantStatus(baseURL: string, env: StackEnv, id: string): Promise<string> {
  const { clientId, clientSecret } = serviceCredentials(env);
  const res = await fetch(`${baseURL}/api/grants/status?ids=${encodeURIComponent(id)}`, {
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()).grants[0].status;
}

test("the dashboard shows the agent, limits in words, uses and time left; Revoke makes the next refresh fail", async ({ page, baseURL, env, createUser, signIn }) => {
  const agent = await registerCibaAgent(baseURL!, env, { name: "Budget Bot" });
  const user = await createUser();
  await signIn(page, user);
  const { refreshToken, grantId } = await cibaGrant(page, agent, user, "Dashboard 1");

  // The refresh token works while the grant lives (and rotates).
  const refreshed = await token(agent, { grant_type: "refresh_token", refresh_token: refreshToken });
  expect(refreshed.status).toBe(200);
  const next = String(refreshed.body.refresh_token);

  await page.goto("/grants");
  const card = page.locator(`[data-grant-id="${grantId}"]`);
  await expect(page.getByRole("heading", { name: "Budget Bot" })).toBeVisible();
  await expect(card).toContainText("Send up to 3 messages to +1 555-010-0123 until");
  await expect(card.getByTestId("uses-left")).toHaveText("3 messages left");
  await expect(card.getByTestId("time-left")).toHaveText(/^(59 minutes|1 hour) left$/);
  expect(await grantStatus(baseURL!, env, grantId)).toBe("active");

  await card.getByRole("button", { name: "Revoke", exact: true }).click();
  await expect(page.locator(`tr[data-grant-id="${grantId}"]`)).toContainText("Revoked");
  await expect(page.locator(`li[data-grant-id="${grantId}"]`)).toHaveCount(0);

  const after = await token(agent, { grant_type: "refresh_token", refresh_token: next });
  expect(after).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
  expect(await grantStatus(baseURL!, env, grantId)).toBe("revoked");
});

test("Revoke all ends every grant of one agent and leaves other agents alone", async ({ page, baseURL, env, createUser, signIn }) => {
  const first = await registerCibaAgent(baseURL!, env, { name: "Agent One" });
  const second = await registerCibaAgent(baseURL!, env, { name: "Agent Two" });
  const user = await createUser();
  await signIn(page, user);
  const a = await cibaGrant(page, first, user, "One A");
  const b = await cibaGrant(page, first, user, "One B");
  const c = await cibaGrant(page, second, user, "Two A");

  await page.goto("/grants");
  await page.getByRole("region", { name: "Agent One" }).getByRole("button", { name: "Revoke all" }).click();
  await expect(page.getByRole("region", { name: "Agent One" })).toHaveCount(0);
  await expect(page.getByRole("region", { name: "Agent Two" })).toBeVisible();

  for (const { refreshToken } of [a, b]) {
    expect((await token(first, { grant_type: "refresh_token", refresh_token: refreshToken })).body.error).toBe("invalid_grant");
  }
  expect((await token(second, { grant_type: "refresh_token", refresh_token: c.refreshToken })).status).toBe(200);
});
