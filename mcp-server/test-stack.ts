// A real MCP server for integration tests, wired to a stand-in issuer (real HTTP: metadata,
// JWKS, a token endpoint that performs token exchange) and the real messaging API handlers
// served over HTTP, all on one migrated test database.
import { decodeJwt } from "jose";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Db } from "@/lib/db";
import { mcpRuntime } from "@/lib/mcp-ports";
import { createMessagingApiContext } from "@/lib/messaging/api/context";
import { handleGetMessage } from "@/lib/messaging/api/get-message";
import { handlePostMessage } from "@/lib/messaging/api/post-message";
import { sandboxProvider } from "@/lib/messaging/providers/sandbox";
import { testDeps } from "@/lib/messaging/test-fixtures";
import { JwksCache } from "@/lib/resource-server/jwks-cache";
import { startTestIssuer, type TestIssuer } from "@/lib/resource-server/test-issuer";
import { serveWeb } from "./http/node-adapter";
import { startMcpServer, type RunningMcpServer } from "./server";

export const MCP_RESOURCE = "http://localhost:3001/mcp";
export const MCP_CLIENT_SECRET = "test-mcp-client-secret-0123456789abcdef";

export interface TestStack {
  issuer: TestIssuer;
  mcp: RunningMcpServer;
  mcpUrl: string;
  messagingUrl: string;
  /** Authorization headers the messaging API received. */
  messagingAuth: string[];
  exchanges: number;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function startTestStack(db: Db): Promise<TestStack> {
  const issuer = await startTestIssuer({ aud: MCP_RESOURCE });
  const messagingAuth: string[] = [];
  let messagingUrl = "";
  const state = { exchanges: 0 };
  let apiHandler: (req: Request) => Promise<Response> = async () => new Response(null, { status: 503 });
  const messagingServer = serveWeb((req) => apiHandler(req), "http://127.0.0.1");
  const messagingBase = await listen(messagingServer);
  messagingUrl = `${messagingBase}/api/messages`;

  const env = { ISSUER_URL: issuer.issuer, MCP_RESOURCE_URL: MCP_RESOURCE, MESSAGING_RESOURCE_URL: messagingUrl, MCP_CLIENT_ID: "mcp-server", MCP_CLIENT_SECRET };
  const deps = testDeps(db, env);
  const apiKeys = new JwksCache({ issuer: issuer.issuer });
  const api = createMessagingApiContext(deps, { getKey: apiKeys.getKey, provider: sandboxProvider() });
  apiHandler = async (req) => {
    messagingAuth.push(req.headers.get("authorization") ?? "");
    const path = new URL(req.url).pathname;
    if (path === "/api/messages" && req.method === "POST") return handlePostMessage(req, api);
    const id = /^\/api\/messages\/([^/]+)$/.exec(path)?.[1];
    if (id !== undefined && req.method === "GET") return handleGetMessage(req, api, id);
    return new Response(null, { status: 404 });
  };

  // RFC 8693 at the stand-in issuer: checks the service client, mints a messaging-API token.
  issuer.tokenHandler = async (form, authorization) => {
    const expected = `Basic ${Buffer.from(`mcp-server:${MCP_CLIENT_SECRET}`).toString("base64")}`;
    if (authorization !== expected) return { status: 401, body: { error: "invalid_client" } };
    if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:token-exchange") return { status: 400, body: { error: "unsupported_grant_type" } };
    state.exchanges++;
    const subject = decodeJwt(form.get("subject_token") ?? "");
    const token = await issuer.mint({
      ...subject,
      aud: form.get("resource"),
      client_id: "mcp-server",
      scope: form.get("scope"),
      act: { sub: "mcp-server", act: { sub: subject.client_id } },
      jti: crypto.randomUUID(),
      cnf: undefined,
    });
    return { status: 200, body: { access_token: token, token_type: "Bearer", expires_in: 600, issued_token_type: "urn:ietf:params:oauth:token-type:access_token" } };
  };

  const mcp = await startMcpServer(mcpRuntime(deps), { port: 0, host: "127.0.0.1" });
  return {
    issuer,
    mcp,
    mcpUrl: `${mcp.url}/mcp`,
    messagingUrl,
    messagingAuth,
    get exchanges() {
      return state.exchanges;
    },
    async close() {
      await mcp.stop();
      messagingServer.closeAllConnections();
      await new Promise<void>((r) => messagingServer.close(() => r()));
      await issuer.close();
    },
  };
}
