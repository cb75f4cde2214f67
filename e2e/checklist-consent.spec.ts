// Security checklist cases 19, 20 and 26 (docs: security-checklist "Consent"), as only a real
// browser shows them: the headers the consent page is actually served with, a frame the
// browser refuses to render, the resources the page loads, and client-supplied text
// (client name, CIBA binding message, recipients) shown as text, never run. The POST-side
// cases (18, 21-25) are integration tests in lib/consent/consent.test.ts.
import { createHash, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "@playwright/test";
import { test, expect } from "./fixtures";
import { CIBA, backchannel, registerCibaAgent } from "./oob";

const A = "+15550100123";
const B = "+15550100124";
const HOSTILE_NAME = `<img src=x onerror="window.__xss=1"> <b>Bold</b> & "Agent"`;
const HOSTILE_BINDING = `<img src=y onerror="window.__xss=2"> <i>Trip</i> & 'co'`;

let agent: Server;
let AGENT = "";
let AGENT_PORT = 0;
/** HTML the agent's server (another origin) serves at /frame. */
let frameHtml = "";

test.beforeAll(async () => {
  agent = createServer((req, res) => {
    if (req.url?.startsWith("/frame")) return void res.writeHead(200, { "Content-Type": "text/html" }).end(frameHtml);
    res.writeHead(200, { "Content-Type": "text/html" }).end("<!doctype html><title>Agent</title><p>Agent callback</p>");
  });
  // All loopback addresses: the frame test reaches it as localhost (IPv4 or IPv6).
  await new Promise<void>((r) => agent.listen(0, r));
  AGENT_PORT = (agent.address() as AddressInfo).port;
  AGENT = `http://127.0.0.1:${AGENT_PORT}`;
});
test.afterAll(() => new Promise<void>((r) => agent.close(() => r())));

async function authorizeUrl(baseURL: string, mcpUrl: string, name = HOSTILE_NAME): Promise<string> {
  const res = await fetch(`${baseURL}/oauth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_name: name, redirect_uris: [`${AGENT}/cb`], token_endpoint_auth_method: "none", grant_types: ["authorization_code"] }),
  });
  expect(res.status).toBe(201);
  const { client_id } = await res.json();
  const q = new URLSearchParams({
    client_id,
    redirect_uri: `${AGENT}/cb`,
    response_type: "code",
    code_challenge: createHash("sha256").update(randomBytes(32).toString("base64url")).digest("base64url"),
    code_challenge_method: "S256",
    state: "st",
    resource: mcpUrl,
    scope: "messages:send",
    authorization_details: JSON.stringify([{ type: "messaging", recipients: [A, B], max_messages: 3 }]),
  });
  return `/oauth/authorize?${q}`;
}

/** Requests the page makes to anything but the issuer itself (data: URLs are inline). */
function recordForeignRequests(page: Page, baseURL: string): string[] {
  const foreign: string[] = [];
  page.on("request", (r) => {
    const url = r.url();
    if (!url.startsWith(`${baseURL}/`) && !url.startsWith("data:")) foreign.push(url);
  });
  return foreign;
}

test("checklist 19, 20: the consent page is served unframeable, without referrer, and loads nothing from another origin", async ({
  page,
  baseURL,
  mcpUrl,
  createUser,
  signIn,
}) => {
  await signIn(page, await createUser());
  const foreign = recordForeignRequests(page, baseURL!);
  const response = await page.goto(await authorizeUrl(baseURL!, mcpUrl));
  await expect(page).toHaveURL(/\/consent\/[^/?]+$/);
  // checklist 19: the response that rendered the page (after the redirect from /oauth/authorize)
  const headers = response!.headers();
  expect(response!.url()).toMatch(/\/consent\//);
  expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(headers["x-frame-options"]).toBe("DENY");
  // checklist 20
  expect(headers["referrer-policy"]).toBe("no-referrer");
  await expect(page.locator('meta[name="referrer"]')).toHaveAttribute("content", "no-referrer");
  await page.waitForLoadState("networkidle");
  expect(foreign).toEqual([]);
  // checklist 20: nothing on the page points elsewhere either (scripts, styles, images, fonts, frames)
  const external = await page.evaluate((origin) => {
    const urls = [...document.querySelectorAll("script[src], link[href], img[src], iframe[src], source[src], video[src], audio[src], object[data]")].map(
      (el) => (el as HTMLScriptElement).src || (el as HTMLLinkElement).href || (el as HTMLObjectElement).data,
    );
    return urls.filter((u) => u && !u.startsWith(origin) && !u.startsWith("data:"));
  }, new URL(baseURL!).origin);
  expect(external).toEqual([]);
  await expect(page.getByRole("button", { name: "Approve" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Deny" })).toBeVisible();
});

test("checklist 19: a frame on another page renders no page of the app, the consent page included, though the user's session reaches it", async ({
  page,
  baseURL,
  mcpUrl,
  createUser,
  signIn,
}) => {
  const user = await createUser();
  await signIn(page, user);
  await page.goto(await authorizeUrl(baseURL!, mcpUrl, "Framed Agent"));
  await expect(page).toHaveURL(/\/consent\//);
  const consentUrl = page.url();
  // The framing page is served from localhost on another port: another origin, but the same
  // site, so the browser sends the session cookie into the frames. The control frame (a JSON
  // endpoint, which nobody can click on and so may be framed) shows that the session reaches.
  const pages: [string, string][] = [
    ["consent", consentUrl],
    ["home", `${baseURL}/`],
    ["grants", `${baseURL}/grants`],
    ["device", `${baseURL}/device`],
  ];
  frameHtml = `<!doctype html><title>Another page</title>
<iframe name="control" src="${baseURL}/api/pending" width="800" height="100"></iframe>
${pages.map(([name, url]) => `<iframe name="${name}" src="${url}" width="800" height="300"></iframe>`).join("\n")}`;
  await page.goto(`http://localhost:${AGENT_PORT}/frame`);
  const control = page.frame({ name: "control" })!;
  await expect(control.locator("body")).toContainText('"pending"');
  await page.waitForLoadState("load");
  for (const [name] of pages) {
    const framed = page.frame({ name });
    expect(framed, name).toBeTruthy();
    // The frame exists, but the browser refused to render our page in it: no form, no buttons, no text of ours.
    expect(await framed!.locator("form").count(), name).toBe(0);
    expect(await framed!.getByRole("button").count(), name).toBe(0);
    const text = await framed!.locator("body").innerText().catch(() => "");
    for (const ours of ["wants access", "Welcome", "Your grants", "Connect an agent", user.email]) expect(text, name).not.toContain(ours);
  }
  // The request is still undecided: the owner sees the form again.
  await page.goto(consentUrl);
  await expect(page.getByRole("button", { name: "Approve" })).toBeVisible();
});

test("checklist 19, 20: the 403 page another user gets under /consent/ carries the same headers", async ({ page, browser, baseURL, mcpUrl, createUser, signIn }) => {
  await signIn(page, await createUser());
  await page.goto(await authorizeUrl(baseURL!, mcpUrl, "Owner's Agent"));
  await expect(page).toHaveURL(/\/consent\//);
  const other = await browser.newContext({ baseURL });
  try {
    const otherPage = await other.newPage();
    await signIn(otherPage, await createUser());
    const res = await otherPage.goto(page.url());
    expect(res!.status()).toBe(403);
    expect(res!.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(res!.headers()["x-frame-options"]).toBe("DENY");
    expect(res!.headers()["referrer-policy"]).toBe("no-referrer");
    await expect(otherPage.getByRole("button", { name: "Approve" })).toHaveCount(0);
  } finally {
    await other.close();
  }
});

test("checklist 26: the client name and the recipients are shown as text, never run", async ({ page, baseURL, mcpUrl, createUser, signIn }) => {
  await signIn(page, await createUser());
  await page.goto(await authorizeUrl(baseURL!, mcpUrl));
  await expect(page).toHaveURL(/\/consent\//);
  await expect(page.getByTestId("client-name")).toHaveText(HOSTILE_NAME);
  // A self-registered client is labelled as what it is, with the host it will send the person to.
  await expect(page.getByText("Unverified application")).toBeVisible();
  await expect(page.getByText("Newly registered")).toBeVisible();
  await expect(page.getByTestId("redirect-host")).toHaveText(new URL(AGENT).host);
  await expect(page.getByText("Send up to 3 messages to +1 555-010-0123 and +1 555-010-0124")).toBeVisible();
  await expect(page.getByLabel("+1 555-010-0123")).toBeChecked();
  await expect(page.getByLabel("+1 555-010-0124")).toBeChecked();
  await page.waitForLoadState("networkidle");
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  expect(await page.locator('img[src="x"]').count()).toBe(0);
  expect(await page.locator("main b, main i").count()).toBe(0);
  // The page text contains the markup as characters.
  expect(await page.locator("main").innerText()).toContain(HOSTILE_NAME);
});

test("checklist 26: a CIBA binding message and the agent's name are shown as text on the pending list and the consent page", async ({
  page,
  baseURL,
  env,
  createUser,
  signIn,
}) => {
  test.setTimeout(120_000); // the agent is enabled through the admin CLI, a separate process
  const user = await createUser();
  const cibaAgent = await registerCibaAgent(baseURL!, env, { name: HOSTILE_NAME, grantTypes: [CIBA] });
  await signIn(page, user);
  await page.goto("/");
  const asked = await backchannel(cibaAgent, {
    login_hint: user.email,
    binding_message: HOSTILE_BINDING,
    scope: "messages:send",
    authorization_details: JSON.stringify([{ type: "messaging", recipients: [A], max_messages: 1 }]),
  });
  expect(asked.status).toBe(200);
  const item = page.getByTestId("pending-request").filter({ hasText: "Trip" });
  await expect(item).toBeVisible({ timeout: 5_000 });
  await expect(item).toContainText(HOSTILE_BINDING);
  await item.getByRole("link", { name: "Review" }).click();
  await expect(page).toHaveURL(/\/consent\//);
  await expect(page.getByTestId("binding-message")).toHaveText(HOSTILE_BINDING);
  await expect(page.getByTestId("client-name")).toHaveText(HOSTILE_NAME);
  await page.waitForLoadState("networkidle");
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  expect(await page.locator('img[src="x"], img[src="y"]').count()).toBe(0);
  expect(await page.locator("main b, main i").count()).toBe(0);
});
