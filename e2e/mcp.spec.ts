// The MCP flow end to end (docs/mcp-clients.md): the real MCP SDK client (StreamableHTTPClientTransport with the sample
// agent's OAuthClientProvider) against the real MCP server and web app. Playwright signs the
// user in and approves on the consent page; everything else is the SDK's standard flow.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import path from "node:path";
import { generateKeyPair, SignJWT } from "jose";
import { UrlElicitationRequiredError } from "@modelcontextprotocol/sdk/types.js";
import { loadConfig } from "../lib/config";
import { createDb } from "../lib/db/client";
import { signJwt } from "../lib/oauth/keys";
import { adminCli, test, expect } from "./fixtures";
import { authorizeAgent, type ToolResult } from "./mcp-agent";

const ALLOWED = "+15550100123";
test.describe("MCP server with the MCP SDK client", () => {
  test.setTimeout(120_000);

  test("401 -> discovery -> registration -> approval; sends within the grant, denies outside it, and stops within 1 s of Revoke", async ({ page, mcpUrl, env, createUser, signIn }) => {
    const user = await createUser();
    await signIn(page, user);
    const agent = await authorizeAgent(page, mcpUrl, { recipients: [ALLOWED], max: 2 });

    // 1. The order of the standard flow, as the SDK ran it.
    const order = ["POST /mcp 401", "/.well-known/oauth-protected-resource", "/.well-known/oauth-authorization-server", "POST /oauth/register 201"];
    let at = -1;
    for (const step of order) {
      const index = agent.requests.findIndex((r, i) => i > at && r.includes(step));
      expect(index, `${step} after step ${at} in ${agent.requests.join(", ")}`).toBeGreaterThan(at);
      at = index;
    }

    // 2. A message to the granted recipient is sent and shows in the outbox.
    const sent = await agent.call("send_message", { to: "+1 555 010 0123", body: "Running late" });
    expect(sent.isError).toBeFalsy();
    expect(sent.structuredContent).toMatchObject({ status: "delivered", to: ALLOWED });
    await page.goto("/outbox");
    await expect(page.getByTestId("outbox-message").filter({ hasText: "Running late" })).toBeVisible();

    // 3. Another recipient is denied; the third message is denied (the grant allows 2).
    // Past the grant the agent gets a link to ask the person (in-call consent, e2e/extension.spec.ts).
    await expect(agent.call("send_message", { to: "+15550100199", body: "Hi" })).rejects.toBeInstanceOf(UrlElicitationRequiredError);
    expect((await agent.call("send_message", { to: ALLOWED, body: "Second" })).isError).toBeFalsy();
    await expect(agent.call("send_message", { to: ALLOWED, body: "Third" })).rejects.toBeInstanceOf(UrlElicitationRequiredError);

    // 4. Revoke on /grants: the next call is denied within one second.
    await page.goto("/grants");
    await page.locator(`[data-grant-id="${agent.grantId}"]`).getByRole("button", { name: "Revoke" }).click();
    await expect(page.locator(`[data-grant-id="${agent.grantId}"]`).getByRole("button", { name: "Revoke" })).toHaveCount(0);
    // The MCP server caches grant status for at most 500 ms: calls keep going until one is
    // denied, which must happen within one second of the revocation.
    const revokedAt = Date.now();
    let denial: ToolResult | "unauthorized" | undefined;
    while (!denial && Date.now() - revokedAt < 3000) {
      try {
        const result = await agent.call("describe_grant");
        if (result.isError) denial = result;
      } catch {
        denial = "unauthorized"; // a 401 for the revoked token also counts as denied
      }
    }
    expect(Date.now() - revokedAt).toBeLessThan(1000);
    if (denial !== "unauthorized") expect(denial).toMatchObject({ isError: true, structuredContent: { limit: "grant" } });
    await agent.client.close().catch(() => undefined);

    // 6. The audit trail follows the grant: every decision, the exchange, every delivery, and
    // every delivery entry has its message.
    const db = createDb(env.DATABASE_URL);
    try {
      const events = await db.auditEvent.findMany({ where: { grantId: agent.grantId }, orderBy: { seq: "asc" } });
      const kinds = events.map((e) => (e.type === "tool.denied" ? `${e.type}:${e.reason}` : e.type));
      for (const kind of ["consent.approved", "tool.allowed", "token.exchanged", "message.queued", "message.delivered", "tool.denied:recipient_not_allowed", "tool.denied:quota_exhausted", "grant.revoked"]) {
        expect(kinds, kind).toContain(kind);
      }
      expect(kinds.filter((k) => k === "message.delivered")).toHaveLength(2);
      for (const e of events.filter((e) => e.type === "message.delivered")) {
        const messageId = String(JSON.parse(e.details).message_id);
        expect(await db.message.findUnique({ where: { id: messageId } })).toMatchObject({ status: "delivered", grantId: agent.grantId });
      }
      expect(JSON.stringify(events)).not.toContain("Running late");
    } finally {
      await db.$disconnect();
    }
  });

  test("concurrent calls never exceed the quota", async ({ page, mcpUrl, createUser, signIn }) => {
    const user = await createUser();
    await signIn(page, user);
    const agent = await authorizeAgent(page, mcpUrl, { recipients: [ALLOWED], max: 3 });
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => agent.call("send_message", { to: ALLOWED, body: `Concurrent ${i}` }).catch((e: unknown) => e)));
    expect(results.filter((r) => !(r instanceof Error) && !(r as ToolResult).isError)).toHaveLength(3);
    expect(results.filter((r) => r instanceof UrlElicitationRequiredError)).toHaveLength(5);
    const described = await agent.call("describe_grant");
    expect(described.structuredContent).toMatchObject({ message_limits: [{ max_messages: 3, used: 3, left: 0 }] });
    await agent.client.close();
  });

  test("expired, wrong-audience, DPoP-bound-as-Bearer, unknown-kid, alg none, HS256, non-access and query-string tokens are 401; bad requests are 4xx", async ({ mcpUrl, env }) => {
    const config = loadConfig(env);
    const db = createDb(env.DATABASE_URL);
    const deps = { db, config, now: () => new Date() };
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: config.issuerUrl,
      sub: "user-x",
      aud: config.mcpResourceUrl,
      client_id: "agent-x",
      iat: now,
      nbf: now,
      exp: now + 300,
      jti: crypto.randomUUID(),
      scope: "messages:send",
      grant_id: "grant-x",
      authorization_details: [{ type: "messaging", actions: ["send"], recipients: [ALLOWED], max_messages: 1 }],
    };
    try {
      const expired = await signJwt(deps, { typ: "at+jwt", payload: { ...claims, iat: now - 900, nbf: now - 900, exp: now - 60 } });
      const otherAudience = await signJwt(deps, { typ: "at+jwt", payload: { ...claims, aud: config.messagingResourceUrl } });
      const bound = await signJwt(deps, { typ: "at+jwt", payload: { ...claims, cnf: { jkt: "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I" } } });
      const { privateKey } = await generateKeyPair("ES256");
      const unknownKid = await new SignJWT(claims).setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid: "not-a-published-key" }).sign(privateKey);
      const initialize = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } } });
      const post = (headers: Record<string, string>, body = initialize, url = mcpUrl) =>
        fetch(url, { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream", ...headers }, body });

      const none = await post({});
      expect(none.status).toBe(401);
      expect(none.headers.get("www-authenticate")).toContain("resource_metadata=");
      // Checklist 56, 57: alg none, HS256 keyed with the issuer's public key, a JWT that is not an access token.
      const validPayload = Buffer.from(JSON.stringify(claims)).toString("base64url");
      const algNone = `${Buffer.from(JSON.stringify({ alg: "none", typ: "at+jwt" })).toString("base64url")}.${validPayload}.`;
      const jwks = (await (await fetch(`${config.issuerUrl}/oauth/jwks`)).json()) as { keys: { kid: string }[] };
      const hs256 = await new SignJWT(claims)
        .setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: jwks.keys[0]?.kid })
        .sign(new TextEncoder().encode(JSON.stringify(jwks.keys[0])));
      const notAccessToken = await signJwt(deps, { typ: "JWT", payload: claims });
      for (const token of [expired, otherAudience, bound, unknownKid, algNone, hs256, notAccessToken]) {
        const res = await post({ Authorization: `Bearer ${token}` });
        expect(res.status).toBe(401);
        expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
      }
      expect((await post({}, initialize, `${mcpUrl}?access_token=${otherAudience}`)).status).toBe(401);

      const valid = await signJwt(deps, { typ: "at+jwt", payload: claims });
      expect((await post({ Authorization: `Bearer ${valid}` }, "{oops")).status).toBe(400);
      expect((await post({ Authorization: `Bearer ${valid}`, "Content-Type": "text/plain" })).status).toBe(415);
      expect((await post({ Authorization: `Bearer ${valid}` }, JSON.stringify({ pad: "x".repeat(400_000) }))).status).toBe(413);
      expect((await fetch(mcpUrl)).status).toBe(405);
      expect((await post({ Origin: "http://evil.example" })).status).toBe(403);
      expect((await fetch(new URL("/health/ready", mcpUrl))).status).toBe(200);
    } finally {
      await db.$disconnect();
    }
  });

  test("the sample agent: `npm run agent -- send` with browser approval, and with --ciba out of band", async ({ page, env, createUser, signIn, stack }) => {
    // The CLI is the subject here; the server paths it drives run on both databases in the other tests.
    test.skip(stack.name !== "sqlite", "the sample agent's CLI: run once, on SQLite");
    const user = await createUser();
    await signIn(page, user);
    const state = path.resolve(`tmp/agent-e2e-${randomUUID().slice(0, 8)}.json`);
    const agent = (args: string[], onOutput: (text: string) => void = () => undefined) =>
      new Promise<{ code: number | null; output: string }>((resolve) => {
        const child = spawn("npm", ["run", "--silent", "agent", "--", ...args, "--state", state], { env: { ...process.env, ...env } });
        let output = "";
        const collect = (d: Buffer) => {
          output += d;
          onOutput(output);
        };
        child.stdout.on("data", collect);
        child.stderr.on("data", collect);
        child.on("exit", (code) => resolve({ code, output }));
      });
    try {
      // Standard flow: the agent prints the authorization URL; the user opens it and approves.
      let opened = false;
      const first = await agent(["send", "--to", "+15550100123", "--max", "2", "Running late"], (out) => {
        const url = /(http\S+\/oauth\/authorize\S+)/.exec(out)?.[1];
        if (url && !opened) {
          opened = true;
          void page.goto(url).then(() => page.getByRole("button", { name: "Approve" }).click());
        }
      });
      expect(first.output).toContain("Message sent to +15550100123");
      expect(first.code).toBe(0);
      // The stored token is reused; for a recipient outside the grant the agent prints the
      // in-call consent link and waits; the person denies, and the agent reports the limit.
      let denied = false;
      const other = await agent(["send", "--to", "+15550100199", "Hi"], (out) => {
        const url = /(http\S+\/consent\/extension\/\S+)/.exec(out)?.[1];
        if (url && !denied) {
          denied = true;
          void page.goto(url).then(() => page.getByRole("button", { name: "Deny" }).click());
        }
      });
      expect(denied).toBe(true);
      expect(other.code).toBe(2);
      expect(other.output).toContain("recipient_not_allowed");

      // Out of band: refused until an administrator enables CIBA for the agent (docs/ciba.md);
      // the agent names its client_id and keeps its registration for the next run.
      const cibaArgs = ["send", "--to", "+15550100123", "--ciba", user.email, "Out of band"];
      const refused = await agent(cibaArgs);
      expect(refused.code).not.toBe(0);
      const clientId = /this agent's client_id: ([^)\s]+)\)/.exec(refused.output)?.[1];
      expect(clientId, refused.output).toBeTruthy();
      await adminCli(env, "enable-ciba", clientId!);
      // Now the request shows on the user's pending list; the user reviews and approves.
      const ciba = agent(cibaArgs);
      await page.goto("/");
      const item = page.getByTestId("pending-request").first();
      await item.getByRole("link", { name: "Review" }).click();
      await page.getByRole("button", { name: "Approve" }).click();
      const done = await ciba;
      expect(done.output).toContain("Message sent to +15550100123");
      expect(done.code).toBe(0);
      await page.goto("/outbox");
      await expect(page.getByTestId("outbox-message").filter({ hasText: "Out of band" })).toBeVisible();
    } finally {
      rmSync(state, { force: true });
    }
  });
});

