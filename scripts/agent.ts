// A sample agent that uses the MCP server the way any MCP client would: the MCP SDK's client
// over Streamable HTTP, with an OAuthClientProvider for the standard authorization flow
// (401 -> metadata discovery -> registration -> browser approval -> tokens).
//
//   npm run agent -- send --to +15550100123 "Running late"
//   npm run agent -- send --to +15550100123 --max 3 --open "Running late"
//   npm run agent -- send --to +15550100123 --ciba you@example.com "Running late"
//   npm run agent -- describe | list
//
// Options: --server <MCP URL> (default: the configured MCP_RESOURCE_URL), --max <n> messages to
// ask for (default 3; also what a mid-task extension asks for when the grant does not cover the send), --expiry <seconds> (CIBA: how long the user has to answer, CIBA Core 7.1), --open (open the browser instead of printing),
// --state <file> (where client registration and tokens are kept; default DATA_DIR/agent-state.json),
// --new-grant (forget the stored tokens and ask the user again).
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { loadConfig } from "../lib/config";
import { normalizeE164 } from "../lib/authorization-details";
import { startLoopbackCallback } from "./agent/callback";
import { authorizeWithCiba } from "./agent/ciba";
import { sendWithConsent } from "./agent/extension";
import { agentFetch } from "./agent/fetch";
import { AgentOAuthProvider, type AgentState, type AgentStore } from "./agent/provider";
import { errorMessage } from "../lib/error-message";

function fileStore(file: string, key: string): AgentStore {
  const readAll = (): Record<string, AgentState> => {
    try {
      return JSON.parse(readFileSync(file, "utf8")) as Record<string, AgentState>;
    } catch {
      return {};
    }
  };
  return {
    load: () => readAll()[key] ?? {},
    save(state) {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify({ ...readAll(), [key]: state }, null, 2), { mode: 0o600 });
    },
  };
}

function usage(message?: string): never {
  if (message) console.error(message);
  console.error('Usage: npm run agent -- send --to <+E.164> [--max N] [--ciba <email>] [--open] "message"\n       npm run agent -- describe | list');
  process.exit(64);
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      to: { type: "string" },
      max: { type: "string", default: "3" },
      ciba: { type: "string" },
      expiry: { type: "string", default: "3600" },
      server: { type: "string" },
      state: { type: "string" },
      open: { type: "boolean", default: false },
      "new-grant": { type: "boolean", default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (!["send", "describe", "list"].includes(command ?? "")) usage();
  const config = loadConfig();
  const serverUrl = new URL(values.server ?? config.mcpResourceUrl);
  const to = values.to ? normalizeE164(values.to) : null;
  if (command === "send" && (!to || !rest.length)) usage("send needs --to <phone number in international form> and a message.");
  const max = Number(values.max);
  if (!Number.isInteger(max) || max < 1) usage("--max must be a positive whole number.");
  const details = to ? [{ type: "messaging", actions: ["send"], recipients: [to], max_messages: max }] : [];

  const callback = await startLoopbackCallback();
  const mode = values.ciba ? "ciba" : "code";
  const provider = new AgentOAuthProvider({
    redirectUrl: callback.redirectUrl,
    store: fileStore(values.state ?? path.join(config.dataDir, "agent-state.json"), `${serverUrl.href} ${mode}`),
    authorizationDetails: details,
    confidential: mode === "ciba",
    onRedirect: (url) => {
      console.log(`\nApprove this agent in your browser:\n\n  ${url.href}\n`);
      if (values.open) execFile(process.platform === "darwin" ? "open" : "xdg-open", [url.href], () => undefined);
    },
  });
  // Refreshes one at a time, retried after a lost answer, Retry-After honoured (agent/fetch.ts).
  const fetchFn = agentFetch();
  // A grant covers one task; a new recipient or a spent quota is asked for mid-task (runSend).
  if (values["new-grant"]) provider.invalidateCredentials("tokens");
  try {
    if (values.ciba && !provider.tokens()) {
      await authorizeWithCiba({ serverUrl, provider, loginHint: values.ciba, bindingMessage: rest.join(" ").slice(0, 60) || "Agent request", authorizationDetails: details, requestedExpiry: Number(values.expiry), log: console.log, fetch: fetchFn });
    }
    const client = await connect(serverUrl, provider, callback, fetchFn);
    const result = command === "send" ? await runSend(client, provider, serverUrl, fetchFn, { to: to!, body: rest.join(" "), extension_max_messages: max }) : await runCommand(client, command!);
    await client.close();
    process.exitCode = result;
  } finally {
    callback.close();
  }
}

async function connect(serverUrl: URL, provider: AgentOAuthProvider, callback: Awaited<ReturnType<typeof startLoopbackCallback>>, fetchFn: typeof fetch): Promise<Client> {
  const client = new Client({ name: "agent-grants-sample-agent", version: "0.1.0" });
  const transport = new StreamableHTTPClientTransport(serverUrl, { authProvider: provider, fetch: fetchFn });
  try {
    await client.connect(transport);
    return client;
  } catch (err) {
    if (!(err instanceof UnauthorizedError)) throw err;
  }
  // The SDK ran discovery and registration and handed us the authorization URL; wait for the
  // browser to come back, redeem the code (PKCE), and connect again with the new token.
  const code = await callback.waitForCode(() => provider.lastState);
  await transport.finishAuth(code);
  const fresh = new Client({ name: "agent-grants-sample-agent", version: "0.1.0" });
  await fresh.connect(new StreamableHTTPClientTransport(serverUrl, { authProvider: provider, fetch: fetchFn }));
  return fresh;
}

/**
 * send: when the grant does not cover it, the server answers with a consent link for exactly
 * this recipient and --max messages; print it and wait for the decision (agent/extension.ts).
 */
async function runSend(client: Client, provider: AgentOAuthProvider, serverUrl: URL, fetchFn: typeof fetch, args: { to: string; body: string; extension_max_messages: number }): Promise<number> {
  const outcome = await sendWithConsent({ client, provider, serverUrl, fetch: fetchFn, args });
  if (outcome.kind === "expired") {
    console.error("The request to extend the grant expired before you decided; nothing was sent.");
    return 3;
  }
  if (outcome.kind === "denied") console.error("You denied extending the grant; nothing was sent.");
  return report(outcome.result);
}

async function runCommand(client: Client, command: string): Promise<number> {
  return report(await client.callTool({ name: command === "list" ? "list_messages" : "describe_grant", arguments: {} }));
}

function report(result: Awaited<ReturnType<Client["callTool"]>>): number {
  const content = (result.content as { type: string; text?: string }[]).map((c) => c.text ?? "").join("\n");
  if (result.isError) {
    console.error(content);
    const limit = (result.structuredContent as { limit?: string } | undefined)?.limit;
    if (limit && limit !== "request") console.error("To ask the user for a new grant, run again with --new-grant.");
    return 2;
  }
  console.log(content);
  return 0;
}

main().catch((err) => {
  const unreachable = err instanceof TypeError && err.message === "fetch failed";
  console.error(`agent: ${unreachable ? "cannot reach the MCP server or its issuer (is `npm start` running?)" : errorMessage(err)}`);
  process.exit(1);
});
