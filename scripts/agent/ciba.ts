// Out-of-band approval for the sample agent (OpenID CIBA Core 1.0, poll mode): the agent names
// the user by e-mail, the user approves on their own device (the app's pending list), and the
// agent polls the token endpoint. Discovery and registration reuse the MCP SDK's functions.
import {
  discoverAuthorizationServerMetadata,
  discoverOAuthProtectedResourceMetadata,
  registerClient,
} from "@modelcontextprotocol/sdk/client/auth.js";
import type { AgentOAuthProvider } from "./provider";

const CIBA_GRANT = "urn:openid:params:grant-type:ciba";

export interface CibaOptions {
  serverUrl: URL;
  provider: AgentOAuthProvider;
  loginHint: string;
  bindingMessage: string;
  authorizationDetails: unknown[];
  requestedExpiry?: number;
  log: (line: string) => void;
  /** The agent's fetch (agent/fetch.ts: Retry-After on 429 and 503 is honoured). */
  fetch?: typeof fetch;
}

function basicAuth(clientId: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, "+");
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString("base64")}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function authorizeWithCiba(o: CibaOptions): Promise<void> {
  const prm = await discoverOAuthProtectedResourceMetadata(o.serverUrl);
  const issuer = prm.authorization_servers?.[0];
  if (!issuer) throw new Error("the MCP server names no authorization server");
  const metadata = await discoverAuthorizationServerMetadata(issuer);
  const backchannel = (metadata as Record<string, unknown> | undefined)?.backchannel_authentication_endpoint;
  if (!metadata || typeof backchannel !== "string") throw new Error("the authorization server does not support CIBA");

  let client = await o.provider.clientInformation();
  if (!client || !("client_secret" in client) || !client.client_secret) {
    client = await registerClient(issuer, { metadata, clientMetadata: o.provider.clientMetadata });
    o.provider.saveClientInformation({ ...client, issuer } as never);
  }
  const auth = basicAuth(client.client_id, String((client as { client_secret?: string }).client_secret));
  const form = new URLSearchParams({
    login_hint: o.loginHint,
    binding_message: o.bindingMessage,
    scope: prm.scopes_supported?.join(" ") ?? "messages:send messages:read",
    resource: prm.resource,
    authorization_details: JSON.stringify(o.authorizationDetails),
  });
  if (o.requestedExpiry) form.set("requested_expiry", String(o.requestedExpiry));
  const fetchFn = o.fetch ?? fetch;
  const started = await fetchFn(backchannel, { method: "POST", headers: { Authorization: auth, "Content-Type": "application/x-www-form-urlencoded" }, body: form });
  const body = (await started.json()) as { auth_req_id?: string; interval?: number; expires_in?: number; error?: string; error_description?: string };
  if (!started.ok || !body.auth_req_id) {
    // CIBA is off for a client until an administrator enables it (docs/ciba.md, "Who may ask").
    const hint = body.error === "unauthorized_client" ? ` (this agent's client_id: ${client.client_id})` : "";
    throw new Error(`backchannel request refused: ${body.error ?? started.status} ${body.error_description ?? ""}${hint}`);
  }
  o.log(`Asked ${o.loginHint} to approve "${o.bindingMessage}". Waiting for their decision (they see it at ${issuer.replace(/\/$/, "")}/ )...`);

  let interval = (body.interval ?? 5) * 1000;
  const deadline = Date.now() + (body.expires_in ?? 300) * 1000;
  while (Date.now() < deadline) {
    await sleep(interval);
    const res = await fetchFn(metadata.token_endpoint, {
      method: "POST",
      headers: { Authorization: auth, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: CIBA_GRANT, auth_req_id: body.auth_req_id }),
    });
    const tokens = (await res.json()) as Record<string, unknown>;
    if (res.ok && typeof tokens.access_token === "string") {
      o.provider.saveTokens(tokens as never);
      return;
    }
    if (tokens.error === "authorization_pending") continue;
    if (tokens.error === "slow_down") {
      interval += 5000; // CIBA section 11: wait at least 5 s longer from now on
      continue;
    }
    throw new Error(`not approved: ${String(tokens.error ?? res.status)}`);
  }
  throw new Error("the request expired before the user decided");
}
