// Helpers for the out-of-band specs (CIBA, device, grants): an agent that talks to the
// issuer over real HTTP, as a real agent would.
import { readFileSync } from "node:fs";
import path from "node:path";
import { decodeJwt } from "jose";
import { ADMIN_CLI_ACTOR } from "@/lib/auth/users";
import { setCibaEnabled } from "@/lib/oauth/clients/control";
import { stackDb } from "./stack-db";
import type { StackEnv } from "./stacks";

export const CIBA = "urn:openid:params:grant-type:ciba";
export const DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code";

export interface Agent {
  baseURL: string;
  clientId: string;
  clientSecret?: string;
}

export interface HttpResult {
  status: number;
  body: Record<string, unknown>;
}

async function json(res: Response): Promise<HttpResult> {
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Dynamic client registration (RFC 7591). */
export async function registerAgent(
  baseURL: string,
  { name, grantTypes, authMethod = "client_secret_basic" }: { name: string; grantTypes: string[]; authMethod?: string },
): Promise<Agent> {
  const res = await fetch(`${baseURL}/oauth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_name: name, grant_types: grantTypes, token_endpoint_auth_method: authMethod }),
  });
  const body = await res.json();
  if (res.status !== 201) throw new Error(`registration failed: ${res.status} ${JSON.stringify(body)}`);
  return { baseURL, clientId: body.client_id, clientSecret: body.client_secret };
}

/**
 * A confidential CIBA client as an operator sets one up: dynamic registration, then
 * `npm run admin -- enable-ciba` (CIBA is refused until an administrator enables it).
 */
export async function registerCibaAgent(
  baseURL: string,
  env: Record<string, string>,
  { name, grantTypes = [CIBA, "refresh_token"] }: { name: string; grantTypes?: string[] },
): Promise<Agent> {
  const agent = await registerAgent(baseURL, { name, grantTypes });
  await setCibaEnabled(stackDb(env), agent.clientId, true, ADMIN_CLI_ACTOR, new Date());
  return agent;
}

function post(agent: Agent, endpoint: string, params: Record<string, string>): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  const form = new URLSearchParams(params);
  if (agent.clientSecret) {
    const encode = (s: string) => encodeURIComponent(s);
    headers.authorization = `Basic ${Buffer.from(`${encode(agent.clientId)}:${encode(agent.clientSecret)}`).toString("base64")}`;
  } else {
    form.set("client_id", agent.clientId);
  }
  return fetch(`${agent.baseURL}${endpoint}`, { method: "POST", headers, body: form });
}

export async function backchannel(agent: Agent, params: Record<string, string>): Promise<HttpResult> {
  return json(await post(agent, "/oauth/backchannel", params));
}

export async function deviceAuthorization(agent: Agent, params: Record<string, string>): Promise<HttpResult> {
  return json(await post(agent, "/oauth/device_authorization", params));
}

export async function token(agent: Agent, params: Record<string, string>): Promise<HttpResult> {
  return json(await post(agent, "/oauth/token", params));
}

/** Polls like a well-behaved agent (waiting `interval`, growing it on slow_down) until an answer other than pending. */
export async function pollUntilDecided(agent: Agent, params: Record<string, string>, intervalSeconds: number, timeoutMs = 40_000): Promise<HttpResult> {
  const deadline = Date.now() + timeoutMs;
  let interval = intervalSeconds;
  for (;;) {
    const result = await token(agent, params);
    if (result.body.error === "slow_down") interval += 5;
    else if (result.body.error !== "authorization_pending") return result;
    if (Date.now() > deadline) throw new Error("still pending");
    await new Promise((r) => setTimeout(r, interval * 1000));
  }
}

export function decodePayload(jwt: string): Record<string, unknown> {
  return decodeJwt(jwt);
}

/** The MCP service client's credentials (development secrets the launcher generated). */
export function serviceCredentials(env: StackEnv): { clientId: string; clientSecret: string } {
  const secrets = JSON.parse(readFileSync(path.join(env.DATA_DIR, "dev-secrets.json"), "utf8"));
  return { clientId: env.MCP_CLIENT_ID ?? "mcp-server", clientSecret: secrets.mcpClientSecret };
}

export const TWO_RECIPIENTS = [{ type: "messaging", actions: ["send"], recipients: ["+15550100123", "+15550100124"], max_messages: 5 }];
