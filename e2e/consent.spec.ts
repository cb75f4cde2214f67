// The consent page in a real browser: security headers, no third-party resources, escaping of
// client-supplied text, framing refused, Approve with narrowing, Deny, an open request, CSRF
// and another user's attempt (checklist 18-26). The agent's side is a real loopback server
// (another origin), which also serves as the redirect URI.
import { createHash, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIRequestContext, Page } from "@playwright/test";
import { test, expect } from "./fixtures";

const A = "+15550100123";
const B = "+15550100124";
const HOSTILE_NAME = `<img src=x onerror="window.__xss=1"> Evil & Co "Agent"`;

let agent: Server;
let AGENT = "";
/** HTML the agent's origin serves at /evil (set by a test). */
let evilHtml = "";

test.beforeAll(async () => {
  agent = createServer((req, res) => {
    if (req.url?.startsWith("/evil")) return void res.writeHead(200, { "Content-Type": "text/html" }).end(evilHtml);
    res.writeHead(200, { "Content-Type": "text/html" }).end("<!doctype html><title>Agent</title><p>Agent callback</p>");
  });
  await new Promise<void>((r) => agent.listen(0, "127.0.0.1", r));
  AGENT = `http://127.0.0.1:${(agent.address() as AddressInfo).port}`;
});
test.afterAll(() => new Promise<void>((r) => agent.close(() => r())));

async function registerClient(request: APIRequestContext, name = HOSTILE_NAME): Promise<string> {
  const res = await request.post("/oauth/register", {
    data: { client_name: name, redirect_uris: [`${AGENT}/cb`], token_endpoint_auth_method: "none", grant_types: ["authorization_code", "refresh_token"] },
  });
  expect(res.status()).toBe(201);
  return (await res.json()).client_id;
}

function authorizeUrl(clientId: string, mcpUrl: string, extra: Record<string, string> = {}) {
  const verifier = randomBytes(32).toString("base64url");
  const q = new URLSearchParams({
    client_id: clientId,
    redirect_uri: `${AGENT}/cb`,
    response_type: "code",
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
    state: "state-123",
    resource: mcpUrl,
    scope: "messages:send",
    authorization_details: JSON.stringify([{ type: "messaging", recipients: [A, B], max_messages: 3 }]),
    requested_expiry: "7200",
    ...extra,
  });
  return { url: `/oauth/authorize?${q}`, verifier };
}

async function openConsent(page: Page, url: string) {
  const response = await page.goto(url);
  await expect(page).toHaveURL(/\/consent\//);
  return response!;
}

test("the consent page sends the frame, CSP and referrer headers and loads nothing from elsewhere (19, 20)", async ({ page, request, baseURL, mcpUrl, createUser, signIn }) => {
  const clientId = await registerClient(request);
  await signIn(page, await createUser());
  const foreign: string[] = [];
  page.on("request", (r) => {
    if (!r.url().startsWith(baseURL!) && !r.url().startsWith("data:") && !r.url().startsWith(AGENT)) foreign.push(r.url());
  });
  const res = await openConsent(page, authorizeUrl(clientId, mcpUrl).url);
  const headers = res.headers();
  expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(headers["x-frame-options"]).toBe("DENY");
  expect(headers["referrer-policy"]).toBe("no-referrer");
  await page.waitForLoadState("networkidle");
  expect(foreign).toEqual([]);
  await expect(page.getByRole("button", { name: "Approve" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Deny" })).toBeVisible();
});

test("client-supplied text is shown as text, never run (26)", async ({ page, request, mcpUrl, createUser, signIn }) => {
  const clientId = await registerClient(request);
  await signIn(page, await createUser());
  await openConsent(page, authorizeUrl(clientId, mcpUrl).url);
  await expect(page.getByTestId("client-name")).toHaveText(HOSTILE_NAME);
  await expect(page.getByText("Unverified application")).toBeVisible();
  await expect(page.getByText("Newly registered")).toBeVisible();
  await expect(page.getByTestId("redirect-host")).toHaveText(new URL(AGENT).host);
  await expect(page.getByText("Send up to 3 messages to +1 555-010-0123 and +1 555-010-0124")).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  expect(await page.locator('img[src="x"]').count()).toBe(0);
});

test("another site cannot frame the consent page (19)", async ({ page, request, mcpUrl, createUser, signIn }) => {
  const clientId = await registerClient(request);
  await signIn(page, await createUser());
  await openConsent(page, authorizeUrl(clientId, mcpUrl).url);
  evilHtml = `<!doctype html><title>Evil</title><iframe id="f" src="${page.url()}" width="600" height="400"></iframe>`;
  await page.goto(`${AGENT}/evil`);
  await page.waitForTimeout(1000);
  const framed = page.frames().find((f) => f !== page.mainFrame());
  expect(framed).toBeTruthy();
  // The frame exists, but the browser refused to render our page in it.
  expect(await framed!.getByRole("button", { name: "Approve" }).count()).toBe(0);
  expect(await framed!.locator("body").innerText().catch(() => "")).not.toContain("wants access");
});

test("Approve with narrowing: 303 to the client with code, state and iss; the token carries what was granted (18, 24)", async ({
  page,
  request,
  baseURL,
  mcpUrl,
  createUser,
  signIn,
}) => {
  const clientId = await registerClient(request, "Narrow Agent");
  await signIn(page, await createUser());
  const { url, verifier } = authorizeUrl(clientId, mcpUrl);
  await openConsent(page, url);
  await page.getByLabel("+1 555-010-0124").uncheck();
  await page.getByLabel("Maximum messages").fill("2");
  await page.getByLabel("Duration").selectOption({ label: "1 hour" });
  const decision = page.waitForResponse((r) => r.url().endsWith("/decision"));
  await page.getByRole("button", { name: "Approve" }).click();
  expect((await decision).status()).toBe(303);
  await page.waitForURL(`${AGENT}/cb?**`);
  const back = new URL(page.url());
  expect(back.searchParams.get("state")).toBe("state-123");
  expect(back.searchParams.get("iss")).toBe(new URL(baseURL!).origin);
  const code = back.searchParams.get("code")!;
  expect(code).toBeTruthy();

  const token = await request.post("/oauth/token", {
    form: { grant_type: "authorization_code", code, redirect_uri: `${AGENT}/cb`, code_verifier: verifier, client_id: clientId },
  });
  expect(token.status()).toBe(200);
  const body = await token.json();
  expect(body.authorization_details).toEqual([{ type: "messaging", actions: ["send"], recipients: [A], max_messages: 2 }]);
});

test("Deny sends access_denied with state and iss (25)", async ({ page, request, baseURL, mcpUrl, createUser, signIn }) => {
  const clientId = await registerClient(request, "Denied Agent");
  await signIn(page, await createUser());
  await openConsent(page, authorizeUrl(clientId, mcpUrl).url);
  await page.getByRole("button", { name: "Deny" }).click();
  await page.waitForURL(`${AGENT}/cb?**`);
  const back = new URL(page.url());
  expect(Object.fromEntries(back.searchParams)).toMatchObject({ error: "access_denied", state: "state-123", iss: new URL(baseURL!).origin });
});

test("a messages:send request without recipients makes the user enter them", async ({ page, request, mcpUrl, createUser, signIn }) => {
  const clientId = await registerClient(request, "Open Agent");
  await signIn(page, await createUser());
  const { url, verifier } = authorizeUrl(clientId, mcpUrl, { authorization_details: "" });
  await openConsent(page, url);
  await expect(page.getByText("Send messages to recipients you choose")).toBeVisible();
  await page.getByLabel(/Recipients/).fill("+1 555 010 0123");
  await page.getByLabel(/Maximum messages/).fill("1");
  await page.getByRole("button", { name: "Approve" }).click();
  await page.waitForURL(`${AGENT}/cb?**`);
  const code = new URL(page.url()).searchParams.get("code")!;
  const token = await request.post("/oauth/token", {
    form: { grant_type: "authorization_code", code, redirect_uri: `${AGENT}/cb`, code_verifier: verifier, client_id: clientId },
  });
  expect((await token.json()).authorization_details).toEqual([{ type: "messaging", actions: ["send"], recipients: [A], max_messages: 1 }]);
});

test("checklist 157: more recipients than a grant may hold are sent back to the page with a message to correct, then approved", async ({ page, request, mcpUrl, createUser, signIn }) => {
  const clientId = await registerClient(request, "Open Agent");
  await signIn(page, await createUser());
  const { url } = authorizeUrl(clientId, mcpUrl, { authorization_details: "" });
  await openConsent(page, url);
  await expect(page.getByLabel(/Recipients/)).toHaveAccessibleName(/choose up to 20/);
  const many = Array.from({ length: 21 }, (_, i) => `+1 555 010 01${String(i).padStart(2, "0")}`).join("\n");
  await page.getByLabel(/Recipients/).fill(many);
  await page.getByLabel(/Maximum messages/).fill("1");
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page).toHaveURL(/\/consent\/[^/?]+\?error=recipients$/);
  await expect(page.getByRole("alert").filter({ hasText: "Keep or enter 1 to 20 recipients" })).toBeVisible();
  // The limit field takes no more than a grant may hold.
  await expect(page.getByLabel(/Maximum messages/)).toHaveAttribute("max", "10000");
  await page.getByLabel(/Recipients/).fill("+1 555 010 0123");
  await page.getByLabel(/Maximum messages/).fill("1");
  await page.getByRole("button", { name: "Approve" }).click();
  await page.waitForURL(`${AGENT}/cb?**`);
  expect(new URL(page.url()).searchParams.get("code")).toBeTruthy();
});

test("a cross-site POST, a forged token and a second use are refused; another user gets 403 (21, 22, 23)", async ({
  page,
  browser,
  request,
  baseURL,
  mcpUrl,
  createUser,
  signIn,
}) => {
  const clientId = await registerClient(request, "CSRF Target");
  await signIn(page, await createUser());
  await openConsent(page, authorizeUrl(clientId, mcpUrl).url);
  const consentUrl = page.url();
  const token = await page.locator('input[name="consent_token"]').inputValue();
  const decisionUrl = `${consentUrl}/decision`;
  const form = { consent_token: token, decision: "approve", recipients_0: A, max_messages_0: "3" };

  // page.request shares the signed-in cookies: only the Origin check stands in the way.
  expect((await page.request.post(decisionUrl, { form, headers: { origin: "https://evil.example" } })).status()).toBe(403);
  expect((await page.request.post(decisionUrl, { form: { ...form, consent_token: "forged" }, headers: { origin: new URL(baseURL!).origin } })).status()).toBe(403);

  // Another signed-in user cannot see or decide it.
  const other = await browser.newContext({ baseURL });
  const otherPage = await other.newPage();
  await signIn(otherPage, await createUser());
  expect((await otherPage.goto(consentUrl))!.status()).toBe(403);
  expect((await otherPage.request.post(decisionUrl, { form, headers: { origin: new URL(baseURL!).origin }, maxRedirects: 0 })).status()).toBe(403);
  await other.close();

  // The owner decides once; the same form again is 400.
  const first = await page.request.post(decisionUrl, { form, headers: { origin: new URL(baseURL!).origin }, maxRedirects: 0 });
  expect(first.status()).toBe(303);
  expect(first.headers()["location"]).toContain(`${AGENT}/cb?code=`);
  const again = await page.request.post(decisionUrl, { form, headers: { origin: new URL(baseURL!).origin }, maxRedirects: 0 });
  expect(again.status()).toBe(400);
});

test("a signed-out user is sent to sign in, then lands on the consent page of the same request", async ({ page, request, mcpUrl, createUser }) => {
  const clientId = await registerClient(request, "Sign-in Agent");
  const user = await createUser();
  await page.goto(authorizeUrl(clientId, mcpUrl).url);
  await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Fconsent%2F/);
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/consent\/[^/?]+$/);
  await expect(page.getByTestId("client-name")).toHaveText("Sign-in Agent");
  await page.getByRole("button", { name: "Approve" }).click();
  await page.waitForURL(`${AGENT}/cb?**`);
  expect(new URL(page.url()).searchParams.get("code")).toBeTruthy();
});
