// In-call consent end to end (docs/mcp-clients.md, "In-call consent"): the MCP SDK (v1) client
// sends outside its grant, gets a URL elicitation (-32042) naming a consent page, the person
// approves it in a real browser (from the live pending list), and the sample agent's retry
// succeeds after a refresh, without a new authorization-code flow. A denied extension leaves
// the grant unchanged.
import { createDb } from "../lib/db/client";
import { sendWithConsent } from "../scripts/agent/extension";
import { test, expect } from "./fixtures";
import { authorizeAgent } from "./mcp-agent";

const ALLOWED = "+15550100123";
const EXTRA = "+15550100999";
const REFUSED = "+15550100777";

test.describe("in-call consent with the MCP SDK client", () => {
  test.setTimeout(240_000);

  test("limit hit -> consent link -> approved on the pending list -> the retry is sent, for a spent quota and a new recipient; a denial changes nothing", async ({ page, mcpUrl, env, createUser, signIn }) => {
    const user = await createUser();
    await signIn(page, user);
    const agent = await authorizeAgent(page, mcpUrl, { recipients: [ALLOWED], max: 1 });
    const links: string[] = [];
    const send = (to: string, extension_max_messages?: number) =>
      sendWithConsent({
        client: agent.client,
        provider: agent.provider,
        serverUrl: new URL(mcpUrl),
        args: { to, body: `Running late (${to})`, extension_max_messages },
        log: (line) => links.push(...(line.match(/https?:\/\/\S+/g) ?? [])),
        pollMs: 300,
      });
    const nextLink = async () => {
      await expect.poll(() => links.length).toBeGreaterThan(0);
      return new URL(links.shift()!);
    };
    expect(await send(ALLOWED)).toMatchObject({ kind: "sent" });

    // 1. The quota is spent: the link names exactly the extension, which is on the live pending list.
    const quota = send(ALLOWED);
    const quotaLink = await nextLink();
    expect(quotaLink.pathname).toMatch(/^\/consent\/extension\//);
    await page.goto("/");
    const item = page.getByTestId("pending-request").filter({ hasText: "Also: Send up to 1 message to +1 555-010-0123" });
    await expect(item).toBeVisible();
    await item.getByRole("link", { name: "Review" }).click();
    await expect(page).toHaveURL(quotaLink.href);
    await expect(page.getByTestId("extension-current")).toContainText("Send up to 1 message to +1 555-010-0123 (1 used, 0 of 1 message left)");
    await page.getByRole("button", { name: "Approve" }).click();
    await expect(page.getByTestId("extension-outcome")).toContainText("Approved");
    const quotaOutcome = await quota;
    expect(quotaOutcome).toMatchObject({ kind: "sent", result: { structuredContent: { status: "delivered", to: ALLOWED } } });

    // 2. A recipient outside the grant: "also allow +1 555 010 0999, up to 2 messages"; the person lowers it to 1.
    const extra = send(EXTRA, 2);
    await page.goto((await nextLink()).href);
    await expect(page.getByTestId("extension-words")).toHaveText("Send up to 2 messages to +1 555-010-0999");
    await page.getByLabel("Messages to allow (you may lower it)").fill("1");
    await page.getByRole("button", { name: "Approve" }).click();
    await expect(page.getByTestId("extension-outcome")).toContainText("up to 1 more message");
    expect(await extra).toMatchObject({ kind: "sent", result: { structuredContent: { status: "delivered", to: EXTRA } } });

    const db = createDb(env.DATABASE_URL);
    try {
      const grantNow = () => db.grant.findUniqueOrThrow({ where: { id: agent.grantId }, include: { entries: { orderBy: { position: "asc" } } } });
      const before = await grantNow();
      expect(JSON.parse(before.authorizationDetails)).toEqual([
        { type: "messaging", actions: ["send"], recipients: [ALLOWED], max_messages: 1 },
        { type: "messaging", actions: ["send"], recipients: [ALLOWED], max_messages: 1 },
        { type: "messaging", actions: ["send"], recipients: [EXTRA], max_messages: 1 },
      ]);

      // 3. A denial: the agent is told, and the grant is exactly as before.
      const denied = send(REFUSED);
      await page.goto((await nextLink()).href);
      await page.getByRole("button", { name: "Deny" }).click();
      await expect(page.getByTestId("extension-outcome")).toContainText("Denied");
      expect(await denied).toMatchObject({ kind: "denied", result: { structuredContent: { error: "recipient_not_allowed", extension: { status: "denied" } } } });
      const after = await grantNow();
      expect(after.authorizationDetails).toBe(before.authorizationDetails);
      expect(after.entries).toEqual(before.entries);

      const kinds = (await db.auditEvent.findMany({ where: { grantId: agent.grantId }, orderBy: { seq: "asc" } })).map((e) => e.type);
      for (const kind of ["grant.extension_requested", "grant.extended", "grant.extension_denied", "token.refreshed"]) expect(kinds, kind).toContain(kind);
      expect(kinds.filter((k) => k === "message.delivered")).toHaveLength(3);
      // Every retry came from a refreshed token, never a new authorization-code flow.
      expect(kinds.filter((k) => k === "code.redeemed")).toHaveLength(1);
    } finally {
      await db.$disconnect();
      await agent.client.close().catch(() => undefined);
    }
  });
});
