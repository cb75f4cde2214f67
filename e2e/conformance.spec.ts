// The official MCP conformance tool against the real processes (docs/mcp-clients.md,
// "Conformance"): the authorization-server scenarios, with Chromium completing sign-in and
// consent for authorization-code-grant, and the server scenarios through a loopback proxy that
// adds a real access token. And the v2 SDK client's full authorization flow on 2026-07-28.
//
// Protocol behaviour does not depend on the database: the conformance scenarios run once, on
// the SQLite stack (CI budget); the v2 client flow runs on both.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport, UnauthorizedError as V2Unauthorized, type OAuthClientProvider } from "@modelcontextprotocol/client";
import { AgentOAuthProvider, memoryStore } from "../scripts/agent/provider";
import { expect, test } from "./fixtures";
import { authorizeAgent } from "./mcp-agent";
import { runConformance, type ToolRun } from "./conformance-tool";

const SERVER_SCENARIOS = ["server-stateless", "http-header-validation", "caching", "dns-rebinding-protection"];

/** The tool's summary lines ("Passed: ...", "Total: ..."), printed so the run's log keeps them. */
function summary(run: ToolRun): string {
  return run.output
    .split("\n")
    .filter((l) => /^\s*(passed|total|overall)\b/i.test(l))
    .slice(-4)
    .join("\n");
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A loopback proxy to the MCP server that adds `Authorization: Bearer <token>` to every request. */
async function tokenProxy(target: string, token: string): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || ["host", "connection", "content-length", "authorization"].includes(k)) continue;
      headers.set(k, Array.isArray(v) ? v.join(", ") : v);
    }
    headers.set("authorization", `Bearer ${token}`);
    try {
      const upstream = await fetch(new URL(req.url ?? "/", target), { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
      const out: Record<string, string> = {};
      upstream.headers.forEach((v, k) => {
        if (!["content-length", "content-encoding", "transfer-encoding", "connection"].includes(k)) out[k] = v;
      });
      res.writeHead(upstream.status, out).end(Buffer.from(await upstream.arrayBuffer()));
    } catch {
      res.writeHead(502).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

test.describe("MCP conformance and the v2 SDK client", () => {
  test.setTimeout(240_000);

  test("the authorization server passes the conformance tool's metadata and authorization-code-grant scenarios (checklist 183)", async ({ page, baseURL, mcpUrl, createUser, signIn }, info) => {
    test.skip(info.project.name !== "sqlite", "run once: the scenarios do not depend on the database");
    // A public native client with the loopback callback the tool listens on.
    const port = await freePort();
    const registered = await fetch(`${baseURL}/oauth/register`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ client_name: "MCP conformance tool", application_type: "native", redirect_uris: [`http://127.0.0.1:${port}/callback`], token_endpoint_auth_method: "none" }),
    });
    expect(registered.status).toBe(201);
    const { client_id } = (await registered.json()) as { client_id: string };

    await signIn(page, await createUser());
    let authorizationUrl: string | undefined;
    let printed = "";
    // Both authorization-server scenarios in one run: authorization-code-grant reads the metadata
    // the first one fetched.
    const run = runConformance(["authorization", "--url", baseURL!, "--client-id", client_id, "--port", String(port), "--resource", mcpUrl], (text) => {
      printed = text;
      authorizationUrl ??= /(https?:\/\/[^\s\u001b]+\/authorize\?[^\s\u001b]+)/.exec(text)?.[1];
    });
    await expect.poll(() => authorizationUrl ?? printed, { timeout: 30_000 }).toMatch(/\/authorize\?/);
    await page.goto(authorizationUrl!);
    // The tool asks for no authorization_details: the person chooses the recipients.
    await page.getByRole("textbox", { name: /Recipients/ }).fill("+1 555 010 0123");
    await page.getByRole("button", { name: "Approve" }).click();
    const result = await run;
    console.log(`authorization-server-metadata-endpoint, authorization-code-grant:\n${summary(result)}`);
    expect(result.code, result.output).toBe(0);
  });

  test("the MCP server passes the server scenarios through a token-adding proxy (checklist 184)", async ({ page, mcpUrl, createUser, signIn }, info) => {
    test.skip(info.project.name !== "sqlite", "run once: the scenarios do not depend on the database");
    await signIn(page, await createUser());
    const agent = await authorizeAgent(page, mcpUrl, { recipients: ["+15550100123"], max: 5 });
    const proxy = await tokenProxy(new URL(mcpUrl).origin, agent.provider.tokens()!.access_token);
    try {
      const runs = [];
      for (const scenario of SERVER_SCENARIOS) runs.push([scenario, await runConformance(["server", "--url", `${proxy.url}/mcp`, "--scenario", scenario])] as const);
      for (const [scenario, run] of runs) console.log(`${scenario}:\n${summary(run)}`);
      for (const [scenario, run] of runs) {
        if (run.code === 0) continue;
        // The only failures allowed: checks the tool marks "Not testable" because the server
        // does not offer its diagnostic tools (test_missing_capability, test_logging_tool, ...).
        // A production server has no business listing those to every agent.
        const failed = run.output.split("\n").filter((l) => /\] FAILURE /.test(l));
        const untestable = [...run.output.matchAll(/Error: Not testable: server does not list the diagnostic tool '(test_[a-z_]+)'/g)];
        expect(failed.length, `${scenario}\n${run.output}`).toBeGreaterThan(0);
        expect(untestable.length, `${scenario}: every failed check is a missing diagnostic tool\n${run.output}`).toBe(failed.length);
      }
    } finally {
      await agent.client.close().catch(() => undefined);
      proxy.server.closeAllConnections();
      proxy.server.close();
    }
  });

  test("the v2 SDK client runs the full authorization flow on 2026-07-28, calls tools, and gets past a spent quota through in-call consent (checklist 179)", async ({ page, mcpUrl, createUser, signIn }) => {
    await signIn(page, await createUser());
    const port = await freePort();
    const redirectUrl = `http://127.0.0.1:${port}/callback`;
    // The browser is stopped at the callback and hands its whole query to finishAuth (the v2
    // client checks the RFC 9207 iss parameter there).
    let callback: URLSearchParams | undefined;
    await page.route(`${redirectUrl}**`, async (route) => {
      callback = new URL(route.request().url()).searchParams;
      await route.fulfill({ status: 200, contentType: "text/plain", body: "You can return to your agent." });
    });
    let authorizationUrl: URL | undefined;
    const provider = new AgentOAuthProvider({
      redirectUrl,
      store: memoryStore(),
      clientName: "E2E v2 agent",
      authorizationDetails: [{ type: "messaging", actions: ["send"], recipients: ["+15550100123"], max_messages: 1 }],
      onRedirect: (url) => void (authorizationUrl = url),
    }) as unknown as OAuthClientProvider;
    const first = new V2Client({ name: "e2e-v2-agent", version: "1.0.0" }, { versionNegotiation: { mode: "auto" } });
    const transport = new V2Transport(new URL(mcpUrl), { authProvider: provider });
    await expect(first.connect(transport)).rejects.toBeInstanceOf(V2Unauthorized);
    await page.goto(authorizationUrl!.href);
    await page.getByRole("button", { name: "Approve" }).click();
    await expect.poll(() => callback?.get("code")).toBeTruthy();
    await transport.finishAuth(callback!);

    // The agent declares URL elicitation, so in-call consent reaches it as the input-required
    // result: its SDK hands over the link, the person approves on the consent page (here, the
    // same browser), and the SDK repeats the call.
    const links: string[] = [];
    const client = new V2Client({ name: "e2e-v2-agent", version: "1.0.0" }, { versionNegotiation: { mode: "auto" }, capabilities: { elicitation: { url: {} } } });
    client.setRequestHandler("elicitation/create", async (req) => {
      const url = (req.params as { url: string }).url;
      links.push(url);
      if (links.length === 1) {
        await page.goto(url);
        await page.getByRole("button", { name: "Approve" }).click();
        await expect(page.getByText(/approved/i).first()).toBeVisible();
      }
      return { action: "accept" };
    });
    await client.connect(new V2Transport(new URL(mcpUrl), { authProvider: provider }));
    expect(client.getNegotiatedProtocolVersion()).toBe("2026-07-28");
    type ToolAnswer = { isError?: boolean; structuredContent?: Record<string, unknown> };
    const sent = (await client.callTool({ name: "send_message", arguments: { to: "+1 555 010 0123", body: "from the v2 client" } })) as ToolAnswer;
    expect(sent.isError).toBeFalsy();
    expect(sent.structuredContent).toMatchObject({ status: "delivered", to: "+15550100123" });
    // The quota is spent: the consent link comes in the call, the person approves one more
    // message, and the SDK's repeat of the call succeeds with the same token (the recipient was
    // already granted; the send spends from the grant's new entry), with no new authorization.
    const retried = (await client.callTool({ name: "send_message", arguments: { to: "+15550100123", body: "again" } })) as ToolAnswer;
    expect(links[0]).toContain("/consent/extension/");
    expect(retried.isError).toBeFalsy();
    expect(retried.structuredContent).toMatchObject({ status: "delivered", to: "+15550100123" });
    await client.close();
  });
});
