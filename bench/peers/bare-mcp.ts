// The bare peer for send_message (bench/compare.ts): the MCP SDK's McpServer behind its
// StreamableHTTPServerTransport, stateless and answering JSON like the product's MCP server
// (mcp-server/http/app.ts), with the product's send_message input schema, no authentication,
// no database, and a success answer. What is left is the SDK and HTTP, the floor under any
// MCP tool call. Run as its own process: `PORT=<port> node --import tsx bench/peers/bare-mcp.ts`;
// prints "ready" once listening.
import { createServer } from "node:http";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { sendMessageInput } from "../../mcp-server/tools/send-message";

function buildServer(): McpServer {
  const server = new McpServer({ name: "bare-peer", version: "1.0.0" }, { capabilities: { tools: {} } });
  server.registerTool("send_message", { title: "Send a text message", inputSchema: sendMessageInput }, (args) => ({
    content: [{ type: "text", text: `Sent to ${args.to}.` }],
    structuredContent: { status: "sent", to: args.to },
  }));
  return server;
}

// A fresh server and transport per request, as the SDK's stateless example and the product do.
const http = createServer(async (req, res) => {
  if (req.method !== "POST" || req.url !== "/mcp") {
    res.writeHead(404).end();
    return;
  }
  const server = buildServer();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on("close", () => {
    void transport.close();
    void server.close();
  });
  try {
    await server.connect(transport);
    await transport.handleRequest(req, res);
  } catch {
    if (!res.headersSent) res.writeHead(500).end();
  }
});
http.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => console.log("ready"));
