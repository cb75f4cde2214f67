// MCP tool-call benchmark: what an agent waits for, per call, from the MCP SDK's own client
// over real HTTP to the MCP server. Each call is one stateless POST that authenticates the
// token, checks the grant's status and limits, and writes its audit entry; send_message also
// takes the quota atomically, exchanges the token (RFC 8693) and delivers through the
// messaging API (another HTTP hop, its own token check, the sandbox provider, the outbox).
// The issuer is the integration tests' stand-in (real HTTP: metadata, JWKS, token exchange),
// so the figures are the MCP server's and the messaging API's, on a migrated SQLite database.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { makeGrant } from "../lib/messaging/test-fixtures";
import { startTestStack } from "../mcp-server/test-stack";
import { testDatabases } from "../tests/harness/databases";
import { measure, printTable, type Row } from "./measure";

const N = Number(process.env.BENCH_N ?? 3000) / 10;
const [sqlite] = testDatabases();
const db = await sqlite.open();
const stack = await startTestStack(db);
const grant = await makeGrant(db, { maxMessages: null, recipients: ["+15550100123"] });
const token = await stack.issuer.mint({ sub: grant.userId, client_id: grant.clientId, grant_id: grant.grantId, authorization_details: grant.details });

const client = new Client({ name: "bench-agent", version: "1.0.0" });
await client.connect(new StreamableHTTPClientTransport(new URL(stack.mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));

type ToolResult = { isError?: boolean };
async function call(name: string, args: Record<string, unknown>, expectError = false): Promise<void> {
  const result = (await client.callTool({ name, arguments: args })) as ToolResult;
  if (Boolean(result.isError) !== expectError) throw new Error(`${name}: unexpected ${result.isError ? "denial" : "success"}`);
}

const rows: Row[] = [];
rows.push(await measure("describe_grant (token, grant status, audit)", N, () => call("describe_grant", {})));
rows.push(await measure("send_message denied: recipient not granted", N, () => call("send_message", { to: "+15550100999", body: "hello" }, true)));
rows.push(await measure("send_message delivered (quota, exchange, messaging API, sandbox)", N, () => call("send_message", { to: "+15550100123", body: "hello" })));
rows.push(await measure("list_messages", N, () => call("list_messages", {})));
printTable("MCP tool calls, SDK client over loopback HTTP, one at a time", rows);
console.log(`token exchanges at the issuer: ${stack.exchanges}`);

await client.close();
await stack.close();
await sqlite.close();
