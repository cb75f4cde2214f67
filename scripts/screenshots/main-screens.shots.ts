// The main screens, at a desktop and a phone width, for the README (docs/images/*.png).
import { createHash, randomBytes } from "node:crypto";
import type { Page } from "@playwright/test";
import { test, expect } from "../../e2e/fixtures";
import { authorizeAgent } from "../../e2e/mcp-agent";

const OUT = "docs/images";
const SIZES = [
  { suffix: "desktop", width: 1280, height: 860 },
  { suffix: "phone", width: 390, height: 844 },
] as const;

/** Light at both sizes; `dark` adds the same screen in dark mode at each size. */
async function shoot(page: Page, path: string, name: string, { dark = false } = {}): Promise<void> {
  for (const scheme of dark ? (["light", "dark"] as const) : (["light"] as const)) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const size of SIZES) {
      await page.setViewportSize({ width: size.width, height: size.height });
      await page.goto(path);
      await page.waitForLoadState("load");
      await page.screenshot({ path: `${OUT}/${name}-${size.suffix}${scheme === "dark" ? "-dark" : ""}.png`, fullPage: true });
    }
  }
  await page.emulateMedia({ colorScheme: "light" });
}

test("main screens", async ({ browser, page, request, mcpUrl, createUser, signIn }) => {
  const user = await createUser({ email: "alex@example.com" });
  await shoot(page, "/signin", "signin");
  await signIn(page, user);
  const agent = await authorizeAgent(page, mcpUrl, { recipients: ["+15550100123", "+15550100124"], max: 5 });
  await agent.call("send_message", { to: "+15550100123", body: "Running 10 minutes late, start without me." });
  await agent.call("send_message", { to: "+15550100124", body: "Table for four at 7:30 is confirmed." });
  await agent.call("send_message", { to: "+15550100123", body: "Parking is on Elm Street, behind the station." });
  // A refused call: a number the grant does not name (the flow and the chart show it in red).
  // Denied, and answered with an in-call consent link (URL elicitation), which this agent ignores.
  await agent.call("send_message", { to: "+15550100999", body: "Hello from an agent that overreaches." }).catch(() => undefined);
  await agent.client.close().catch(() => undefined);

  const redirectUri = "http://127.0.0.1:9/cb";
  const reg = await request.post("/oauth/register", {
    data: { client_name: "Trip Planner", redirect_uris: [redirectUri], token_endpoint_auth_method: "none", grant_types: ["authorization_code"] },
  });
  const q = new URLSearchParams({
    client_id: String((await reg.json()).client_id),
    redirect_uri: redirectUri,
    response_type: "code",
    code_challenge: createHash("sha256").update(randomBytes(32).toString("base64url")).digest("base64url"),
    code_challenge_method: "S256",
    state: "screens",
    resource: mcpUrl,
    scope: "messages:send",
    authorization_details: JSON.stringify([
      { type: "messaging", actions: ["send"], recipients: ["+15550100123", "+15550100124"], max_messages: 3 },
      { type: "messaging", actions: ["send"], recipients: ["+15550100125"], max_messages: 1 },
    ]),
    requested_expiry: "7200",
  });
  await page.goto(`/oauth/authorize?${q}`);
  await expect(page).toHaveURL(/\/consent\//);
  await shoot(page, new URL(page.url()).pathname, "consent");
  await shoot(page, "/grants", "grants");
  await shoot(page, "/outbox", "outbox", { dark: true });
  await shoot(page, "/activity", "activity");

  // The auditor's console, in a browser of its own.
  const auditorPage = await (await browser.newContext()).newPage();
  await signIn(auditorPage, await createUser({ role: "auditor", email: "audrey@example.com" }));
  await shoot(auditorPage, "/audit", "audit", { dark: true });
  const denied = auditorPage.locator('tr[data-type="tool.denied"]').first();
  await shoot(auditorPage, `/audit?entry=${await denied.getAttribute("data-seq")}`, "audit-entry");
  await shoot(auditorPage, `/audit/grants/${encodeURIComponent(agent.grantId)}`, "grant-timeline");
});
