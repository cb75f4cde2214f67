// Every page, on a desktop and on a phone: axe-core finds no WCAG 2.1 A/AA violation, and
// nothing makes the page scroll sideways (wide tables scroll inside their own box). The
// consent page's checkboxes are named by their numbers and sit beside them.
//
// Layout does not depend on the database, so these run on the SQLite stack only: the data each
// page shows is tested on both databases by the specs and integration tests of its feature.
import { createHash, randomBytes } from "node:crypto";
import AxeBuilder from "@axe-core/playwright";
import type { APIRequestContext, Page } from "@playwright/test";
import { UrlElicitationRequiredError } from "@modelcontextprotocol/sdk/types.js";
import { test, expect } from "./fixtures";
import { authorizeAgent } from "./mcp-agent";

test.skip(({ stack }) => stack.name !== "sqlite", "layout is the same on every database: run once, on SQLite");

const WIDTHS = [1280, 390] as const;
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const A = "+15550100123";
const B = "+15550100124";
const C = "+15550100125";
/** Never contacted: the tests open the consent page and stop there. */
const REDIRECT_URI = "http://127.0.0.1:9/cb";

async function expectNoAxeViolations(page: Page, what: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  const found = results.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(found, `axe on ${what}`).toEqual([]);
}

async function expectNoSidewaysScroll(page: Page, what: string): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
  expect(scrollWidth, `${what}: the page is ${scrollWidth} px wide in a ${innerWidth} px window`).toBeLessThanOrEqual(innerWidth);
}

/**
 * Opens `path` at each width (and once more in dark mode on the phone) and checks it. `ready`
 * waits for the page's own content, so a redirect or an error page cannot pass by accident.
 */
async function checkPage(page: Page, path: string, name: string, ready: (page: Page) => Promise<void>): Promise<void> {
  const runs = [...WIDTHS.map((width) => ({ width, scheme: "light" as const })), { width: 390, scheme: "dark" as const }];
  for (const { width, scheme } of runs) {
    const what = `${name} at ${width} px (${scheme})`;
    await page.emulateMedia({ colorScheme: scheme });
    await page.setViewportSize({ width, height: 900 });
    await page.goto(path);
    await ready(page);
    await expectNoSidewaysScroll(page, what);
    await expectNoAxeViolations(page, what);
  }
  await page.emulateMedia({ colorScheme: "light" });
}

/** An authorize request with two entries, left pending on the consent page; returns its URL. */
async function pendingConsent(page: Page, request: APIRequestContext, mcpUrl: string, name: string): Promise<string> {
  const reg = await request.post("/oauth/register", {
    data: { client_name: name, redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: "none", grant_types: ["authorization_code", "refresh_token"] },
  });
  expect(reg.status()).toBe(201);
  const clientId = String((await reg.json()).client_id);
  const q = new URLSearchParams({
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    response_type: "code",
    code_challenge: createHash("sha256").update(randomBytes(32).toString("base64url")).digest("base64url"),
    code_challenge_method: "S256",
    state: "layout",
    resource: mcpUrl,
    scope: "messages:send",
    authorization_details: JSON.stringify([
      { type: "messaging", actions: ["send"], recipients: [A, B], max_messages: 3 },
      { type: "messaging", actions: ["send"], recipients: [C], max_messages: 1 },
    ]),
    requested_expiry: "7200",
  });
  await page.goto(`/oauth/authorize?${q}`);
  await expect(page).toHaveURL(/\/consent\/[^/?]+$/);
  return new URL(page.url()).pathname;
}

test("the sign-in and sign-up pages fit a phone and a desktop and pass axe", async ({ page }) => {
  test.setTimeout(180_000);
  await checkPage(page, "/signin", "sign-in", (p) => expect(p.getByRole("heading", { name: "Sign in" })).toBeVisible());
  await checkPage(page, "/signup", "sign-up", (p) => expect(p.getByRole("heading", { name: "Create an account" })).toBeVisible());
});

test("a user's pages (home, consent, grants with a used entry, activity, outbox, device) fit a phone and a desktop and pass axe", async ({
  page,
  request,
  mcpUrl,
  createUser,
  signIn,
}) => {
  test.setTimeout(480_000);
  const user = await createUser({ email: `layout-${randomBytes(4).toString("hex")}-with-a-rather-long-address@example.com` });
  await signIn(page, user);
  // A live grant with one message sent: the grants page shows a meter with 1 used, the outbox a row.
  const agent = await authorizeAgent(page, mcpUrl, { recipients: [A, B], max: 3 });
  expect((await agent.call("send_message", { to: A, body: "Running late, start without me. This line is long enough to wrap on a phone." })).isError).toBeFalsy();
  await agent.client.close().catch(() => undefined);
  const consentPath = await pendingConsent(page, request, mcpUrl, "Layout Agent");

  await checkPage(page, "/", "home", (p) => expect(p.getByRole("heading", { name: `Welcome, ${user.email}` })).toBeVisible());
  await checkPage(page, consentPath, "consent", (p) => expect(p.getByRole("button", { name: "Approve" })).toBeVisible());
  await checkPage(page, "/grants", "grants", async (p) => {
    const card = p.locator(`[data-grant-id="${agent.grantId}"]`);
    await expect(card.getByTestId("uses-left")).toHaveText("1 used, 2 of 3 messages left");
    await expect(card.getByRole("meter", { name: "Messages left" })).toHaveAttribute("aria-valuenow", "2");
    await expect(card.getByRole("meter", { name: "Time left" })).toBeVisible();
  });
  await checkPage(page, "/activity", "activity", async (p) => {
    await expect(p.getByTestId("audit-entries")).toBeVisible();
    // The newest grant drawn as a flow: it reached its calls and deliveries, and was not revoked.
    const flow = p.getByTestId("grant-flow");
    await expect(flow.locator('[data-stage="calls"]')).not.toHaveAttribute("data-count", "0");
    await expect(flow.locator('[data-stage="deliveries"]')).not.toHaveAttribute("data-count", "0");
    await expect(flow.locator('[data-stage="revoked"]')).toHaveAttribute("data-count", "0");
  });
  await checkPage(page, "/outbox", "outbox", async (p) => {
    await expect(p.getByTestId("conversation")).toHaveCount(1);
    await expect(p.getByTestId("outbox-message")).toHaveCount(1);
    await expect(p.getByTestId("message-status")).toContainText("Delivered");
  });
  await checkPage(page, "/device", "device", (p) => expect(p.getByLabel("Code")).toBeVisible());
});

test("the audit console (chart, chips, entry panel) and a grant's flow fit a phone and a desktop and pass axe", async ({ page, mcpUrl, createUser, signIn }) => {
  test.setTimeout(480_000);
  await signIn(page, await createUser({ role: "auditor" }));
  // A grant with one message sent and one refused, so the chart and the flow show a denial.
  const agent = await authorizeAgent(page, mcpUrl, { recipients: [A], max: 3 });
  expect((await agent.call("send_message", { to: A, body: "On my way." })).isError).toBeFalsy();
  // Outside the grant: denied, and in-call consent offers the person an extension (URL elicitation).
  await expect(agent.call("send_message", { to: C, body: "Not a granted number." })).rejects.toBeInstanceOf(UrlElicitationRequiredError);
  await agent.client.close().catch(() => undefined);

  await checkPage(page, "/audit", "audit", async (p) => {
    await expect(p.getByTestId("audit-entries")).toBeVisible();
    await expect(p.getByTestId("events-chart")).not.toHaveAttribute("data-total", "0");
  });
  const grant = encodeURIComponent(agent.grantId);
  await page.goto(`/audit?grant=${grant}&outcome=denied`);
  const seq = await page.getByTestId("audit-entries").locator('tr[data-type="tool.denied"]').first().getAttribute("data-seq");
  await checkPage(page, `/audit?grant=${grant}&outcome=denied&entry=${seq}`, "audit with filter chips and an entry", async (p) => {
    await expect(p.getByTestId("filter-chips").locator("li")).toHaveCount(2);
    await expect(p.getByTestId("entry-panel")).toHaveAttribute("data-seq", seq!);
    await expect(p.getByTestId("entry-panel")).toContainText(agent.grantId);
  });
  // A chip's × is the same view without that parameter.
  await page.getByRole("link", { name: "Remove filter Outcome: denied" }).click();
  await expect(page).toHaveURL(new RegExp(`/audit\\?grant=${grant}$`));
  await expect(page.getByTestId("filter-chips").locator("li")).toHaveCount(1);

  await checkPage(page, `/audit/grants/${grant}`, "grant flow", async (p) => {
    const calls = p.getByTestId("grant-flow").locator('[data-stage="calls"]');
    await expect(calls).toHaveAttribute("data-refused", "1");
    await expect(calls).toContainText("tool.denied");
    await expect(p.getByTestId("grant-flow").locator('[data-stage="requested"]')).not.toHaveAttribute("data-count", "0");
  });
});

test("the admin page fits a phone and a desktop and passes axe", async ({ page, createUser, signIn }) => {
  test.setTimeout(180_000);
  await createUser();
  await signIn(page, await createUser({ role: "admin" }));
  await checkPage(page, "/admin", "admin", (p) => expect(p.getByRole("heading", { name: "Users" })).toBeVisible());
});

test("each consent checkbox is named by its number and sits beside it; the badges are separate elements", async ({
  page,
  request,
  mcpUrl,
  createUser,
  signIn,
}) => {
  test.setTimeout(180_000);
  await signIn(page, await createUser());
  const consentPath = await pendingConsent(page, request, mcpUrl, "Checkbox Agent");
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(consentPath);
    for (const number of ["+1 555-010-0123", "+1 555-010-0124", "+1 555-010-0125"]) {
      const box = page.getByRole("checkbox", { name: number, exact: true });
      await expect(box).toBeChecked();
      // The number is the label's own text, right after the box on the same line.
      const row = page.locator("label.check-row").filter({ has: box });
      const boxRect = (await box.boundingBox())!;
      const textRect = (await row.getByText(number, { exact: true }).boundingBox())!;
      const gap = textRect.x - (boxRect.x + boxRect.width);
      expect(gap, `${number} at ${width} px: gap between box and number`).toBeGreaterThanOrEqual(0);
      expect(gap, `${number} at ${width} px: gap between box and number`).toBeLessThan(32);
      expect(Math.abs(textRect.y + textRect.height / 2 - (boxRect.y + boxRect.height / 2)), `${number} at ${width} px: same line`).toBeLessThan(8);
    }
    // One card per entry, each with its own limit.
    await expect(page.getByTestId("detail-0").getByLabel("Maximum messages")).toHaveValue("3");
    await expect(page.getByTestId("detail-1").getByLabel("Maximum messages")).toHaveValue("1");
    await expect(page.getByTestId("consent-summary")).toContainText("at most 4 text messages in all, only to 3 phone numbers");
    // Two badges, each its own element with its own text.
    await expect(page.getByTestId("verified-badge")).toHaveText("Unverified application");
    await expect(page.getByTestId("first-seen-badge")).toHaveText("Newly registered");
    const [first, second] = [(await page.getByTestId("verified-badge").boundingBox())!, (await page.getByTestId("first-seen-badge").boundingBox())!];
    const apart = second.x >= first.x + first.width || second.y >= first.y + first.height;
    expect(apart, "the badges do not overlap").toBe(true);
  }
});
