// An agent driven by the MCP SDK's own client through the standard flow (401, discovery,
// registration, browser approval on the consent page, code exchange), for e2e specs.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { decodeJwt } from "jose";
import type { Page } from "@playwright/test";
import { startLoopbackCallback } from "../scripts/agent/callback";
import { AgentOAuthProvider, memoryStore } from "../scripts/agent/provider";
import { expect } from "./fixtures";

export type ToolResult = { isError?: boolean; structuredContent?: Record<string, unknown> };

export interface Agent {
  client: Client;
  provider: AgentOAuthProvider;
  requests: string[];
  grantId: string;
  call(name: string, args?: Record<string, unknown>): Promise<ToolResult>;
}

/** Runs the SDK's standard flow: 401, discovery, registration, browser approval, code exchange. */
export async function authorizeAgent(page: Page, mcpUrl: string, details: { recipients: string[]; max: number }, o: { fetch?: typeof fetch } = {}): Promise<Agent> {
  const callback = await startLoopbackCallback();
  let authorizationUrl: URL | undefined;
  const requests: string[] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const res = await (o.fetch ?? fetch)(input, init);
    requests.push(`${init?.method ?? "GET"} ${url.pathname} ${res.status}`);
    return res;
  };
  const provider = new AgentOAuthProvider({
    redirectUrl: callback.redirectUrl,
    store: memoryStore(),
    clientName: "E2E sample agent",
    authorizationDetails: [{ type: "messaging", actions: ["send"], recipients: details.recipients, max_messages: details.max }],
    onRedirect: (url) => void (authorizationUrl = url),
  });
  try {
    const first = new Client({ name: "e2e-agent", version: "1.0.0" });
    const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider, fetch: recordingFetch });
    await expect(first.connect(transport)).rejects.toBeInstanceOf(UnauthorizedError);
    expect(authorizationUrl, "the SDK asked for a browser approval").toBeDefined();
    const code = callback.waitForCode(() => provider.lastState, 60_000);
    await page.goto(authorizationUrl!.href);
    await page.getByRole("button", { name: "Approve" }).click();
    await transport.finishAuth(await code);
    const client = new Client({ name: "e2e-agent", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider, fetch: recordingFetch }));
    const grantId = String(decodeJwt(provider.tokens()!.access_token).grant_id);
    return { client, provider, requests, grantId, call: (name, args = {}) => client.callTool({ name, arguments: args }) as Promise<ToolResult> };
  } finally {
    callback.close();
  }
}
