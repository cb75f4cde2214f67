// The audit trail of one full flow (docs/audit.md): one full flow (request, consent, token, tool calls allowed and denied,
// delivery, revoke) leaves exactly this sequence of audit events for its grant, in one
// valid chain, with every delivery entry matched by its message.
import { UrlElicitationRequiredError } from "@modelcontextprotocol/sdk/types.js";
import { createDb } from "../lib/db/client";
import { grantEventTypes } from "../lib/audit/timeline";
import { checkpointSigner, verifyAuditTrail } from "../lib/audit/audit-trail";
import { checkMessageEntries } from "../lib/audit/messages-check";
import { loadConfig } from "../lib/config";
import { test, expect } from "./fixtures";
import { authorizeAgent } from "./mcp-agent";

const ALLOWED = "+15550100123";

test("a full flow leaves the exact sequence of audit events for its grant", async ({ page, mcpUrl, env, createUser, signIn }) => {
  test.setTimeout(120_000);
  const user = await createUser();
  await signIn(page, user);
  const agent = await authorizeAgent(page, mcpUrl, { recipients: [ALLOWED], max: 1 });

  expect((await agent.call("send_message", { to: ALLOWED, body: "Running late" })).isError).toBeFalsy();
  // Past the grant, the agent gets an in-call consent link (docs/mcp-clients.md); nobody decides here.
  await expect(agent.call("send_message", { to: "+15550100199", body: "Hi" })).rejects.toBeInstanceOf(UrlElicitationRequiredError);
  await expect(agent.call("send_message", { to: ALLOWED, body: "Again" })).rejects.toBeInstanceOf(UrlElicitationRequiredError);

  await page.goto("/grants");
  await page.locator(`[data-grant-id="${agent.grantId}"]`).getByRole("button", { name: "Revoke" }).click();
  await expect(page.locator(`[data-grant-id="${agent.grantId}"]`).getByRole("button", { name: "Revoke" })).toHaveCount(0);
  await agent.call("describe_grant").catch(() => undefined); // denied, one way or another
  await agent.client.close().catch(() => undefined);

  const db = createDb(env.DATABASE_URL);
  try {
    expect(await grantEventTypes(db, agent.grantId)).toEqual(EXPECTED_SEQUENCE);
    const verdict = await verifyAuditTrail(db, checkpointSigner(loadConfig(env)), { databaseUrl: env.DATABASE_URL });
    expect(verdict.ok, JSON.stringify(verdict)).toBe(true);
    expect(await checkMessageEntries(db, loadConfig(env).auditHmacKey)).toEqual({ ok: true, deliveredWithoutEntry: [], entriesWithoutMessage: [], changedBodies: [] });
  } finally {
    await db.$disconnect();
  }
});

const EXPECTED_SEQUENCE = [
  "authorization.requested", // /authorize validated and stored the request
  "consent.shown",
  "consent.approved",
  "code.issued",
  "code.redeemed", // the SDK's code exchange
  "token.issued",
  "tool.allowed", // send_message to the granted recipient
  "token.exchanged", // the MCP server's messaging-API token (RFC 8693)
  "message.queued",
  "message.attempted", // the delivery lease: one provider call (docs/outbox.md)
  "message.delivered",
  "grant.extension_requested", // another recipient: the owner is asked (in-call consent)
  "tool.denied",
  "grant.extension_requested", // the quota of 1 is spent: asked again, for one more
  "tool.denied",
  "grant.revoked", // Revoke on /grants
  "token.revoked",
  "tool.denied", // the call after the revoke
];
