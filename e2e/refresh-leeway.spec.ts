// The refresh reuse leeway end to end (README, "Refresh tokens"): the sample agent (the MCP SDK's
// client with scripts/agent/provider.ts and scripts/agent/fetch.ts) reaches the issuer through
// a real loopback proxy that lets the first refresh reach the issuer, which rotates the token,
// and then drops the connection before the answer gets back. The agent sends the same refresh
// token again; inside the leeway the issuer answers with the same successor, so the agent keeps
// its grant and never asks the user again.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeJwt } from "jose";
import { agentFetch } from "../scripts/agent/fetch";
import { test, expect } from "./fixtures";
import { authorizeAgent } from "./mcp-agent";

interface LossyProxy {
  origin: string;
  /** Refresh answers the issuer gave, in order; the first never reached the agent. */
  refreshAnswers: { status: number; body: Record<string, unknown> }[];
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const HOP_BY_HOP = new Set(["host", "connection", "content-length", "transfer-encoding", "keep-alive", "content-encoding"]);

/** Forwards everything to `upstream`; the first refresh_token answer is received, kept, and swallowed. */
async function startLossyProxy(upstream: string): Promise<LossyProxy> {
  const refreshAnswers: LossyProxy["refreshAnswers"] = [];
  const server: Server = createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k, v]) => !HOP_BY_HOP.has(k) && typeof v === "string")) as Record<string, string>;
      const answer = await fetch(upstream + req.url, { method: req.method, headers, body: body.length ? new Uint8Array(body) : undefined, redirect: "manual" });
      const text = await answer.text();
      if (new URLSearchParams(body.toString()).get("grant_type") === "refresh_token") {
        refreshAnswers.push({ status: answer.status, body: JSON.parse(text) as Record<string, unknown> });
        // The issuer has rotated the token; the agent never hears about it.
        if (refreshAnswers.length === 1) return void req.socket.destroy();
      }
      res.writeHead(answer.status, Object.fromEntries([...answer.headers].filter(([k]) => !HOP_BY_HOP.has(k))));
      res.end(text);
    } catch {
      req.socket.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    refreshAnswers,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The agent's route to the issuer goes through the proxy (as an HTTP proxy setting would). */
function via(proxy: LossyProxy, issuer: string): typeof fetch {
  return (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    return fetch(url.startsWith(issuer) ? proxy.origin + url.slice(issuer.length) : url, init);
  };
}

test.describe("refresh reuse leeway", () => {
  // A full browser approval and three refreshes on a loaded machine took 1.6 min.
  test.setTimeout(180_000);

  test("a lost refresh answer costs the agent nothing: its retry gets the same refresh token, the grant lives on, no new consent (checklist 176)", async ({ page, baseURL, mcpUrl, createUser, signIn }) => {
    const user = await createUser();
    await signIn(page, user);
    const proxy = await startLossyProxy(baseURL!);
    try {
      const fetchFn = agentFetch({ fetch: via(proxy, baseURL!), refreshTimeoutMs: 5_000 });
      const agent = await authorizeAgent(page, mcpUrl, { recipients: ["+15550100123"], max: 3 }, { fetch: fetchFn });
      expect(agent.requests.some((r) => r.startsWith("POST /oauth/token 200")), agent.requests.join(", ")).toBe(true);
      const consentState = agent.provider.lastState;
      const firstRefresh = agent.provider.tokens()!.refresh_token;
      expect((await agent.call("describe_grant")).isError).toBeFalsy();

      // The access token is no longer accepted (as when it expires): the SDK refreshes.
      agent.provider.saveTokens({ ...agent.provider.tokens()!, access_token: "expired" });
      expect((await agent.call("describe_grant")).isError).toBeFalsy();

      // The issuer answered twice to the same refresh token; the first answer was lost, and
      // the retry carried the very same successor.
      expect(proxy.refreshAnswers.map((a) => a.status)).toEqual([200, 200]);
      const [lost, retried] = proxy.refreshAnswers.map((a) => a.body);
      if (!lost || !retried) throw new Error("the issuer did not answer the refresh twice");
      expect(retried.refresh_token).toBe(lost.refresh_token);
      expect(retried.refresh_token).not.toBe(firstRefresh);
      const tokens = agent.provider.tokens()!;
      expect(tokens.refresh_token).toBe(lost.refresh_token);
      expect(decodeJwt(tokens.access_token).grant_id).toBe(agent.grantId);
      // No new authorization was started: the provider never made a new state.
      expect(agent.provider.lastState).toBe(consentState);

      // And the agent keeps going: the successor rotates as usual on the next refresh.
      agent.provider.saveTokens({ ...tokens, access_token: "expired" });
      const sent = await agent.call("send_message", { to: "+15550100123", body: "Still here" });
      expect(sent.isError).toBeFalsy();
      expect(proxy.refreshAnswers).toHaveLength(3);
      expect(proxy.refreshAnswers[2]?.status).toBe(200);
      expect(agent.provider.tokens()!.refresh_token).toBe(proxy.refreshAnswers[2]?.body.refresh_token);
      expect(agent.provider.tokens()!.refresh_token).not.toBe(lost.refresh_token);
      expect(agent.provider.lastState).toBe(consentState);
      await agent.client.close();
    } finally {
      await proxy.close();
    }
  });
});
