// The device authorization grant (RFC 8628, docs/ciba.md) end to end, in the browser.
import { test, expect } from "./fixtures";
import { approveOnConsent } from "./consent-actions";
import { DEVICE_CODE, decodePayload, deviceAuthorization, pollUntilDecided, registerAgent, token } from "./oob";

const DETAILS = [{ type: "messaging", actions: ["send"], recipients: ["+15550100123"], max_messages: 3 }];

test("the device flow: the agent shows a code, the user enters it at /device, approves, and the agent's poll gets the token", async ({ page, baseURL, createUser, signIn }) => {
  const agent = await registerAgent(baseURL!, { name: "Terminal Agent", grantTypes: [DEVICE_CODE, "refresh_token"], authMethod: "none" });
  const started = await deviceAuthorization(agent, { authorization_details: JSON.stringify(DETAILS), requested_expiry: "1800" });
  expect(started.status).toBe(200);
  const { device_code, user_code, verification_uri, interval } = started.body as { device_code: string; user_code: string; verification_uri: string; interval: string };
  expect(user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
  expect(verification_uri).toBe(`${baseURL}/device`);

  const params = { grant_type: DEVICE_CODE, device_code };
  expect((await token(agent, params)).body.error).toBe("authorization_pending");

  const user = await createUser();
  await signIn(page, user);
  await page.goto("/device");
  // A wrong code gets a clear message; the right one typed loosely (lower case, no dash) works.
  await page.getByLabel("Code").fill("BBBB-BBBB");
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "No request matches that code" })).toBeVisible();
  await page.getByLabel("Code").fill(user_code.replace("-", "").toLowerCase());
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/consent\//);
  await expect(page.getByText("Terminal Agent").first()).toBeVisible();
  await approveOnConsent(page, {});

  const result = await pollUntilDecided(agent, params, Number(interval));
  expect(result.status).toBe(200);
  expect(result.body.authorization_details).toEqual(DETAILS);
  expect(decodePayload(String(result.body.access_token))).toMatchObject({ authorization_details: DETAILS, client_id: agent.clientId });

  // The code is spent: entering it again is refused.
  await page.goto("/device");
  await page.getByLabel("Code").fill(user_code);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "That code was already used." })).toBeVisible();
});

test("verification_uri_complete prefills the code but still asks the user to confirm", async ({ page, baseURL, createUser, signIn }) => {
  const agent = await registerAgent(baseURL!, { name: "Terminal Agent", grantTypes: [DEVICE_CODE], authMethod: "none" });
  const started = await deviceAuthorization(agent, { scope: "messages:send" });
  const user = await createUser();
  await signIn(page, user);
  await page.goto(String(started.body.verification_uri_complete));
  await expect(page.getByLabel("Code")).toHaveValue(String(started.body.user_code));
  await expect(page).toHaveURL(/\/device/);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/consent\//);
});
