// A real grant on the running product for the benchmark, through the same flow a user and an
// agent go through, headless: the user signs in (next-auth credentials), the agent registers
// (RFC 7591) and sends an authorization request with PKCE, resource and authorization_details,
// the user approves on the consent page's form (POST /consent/{id}/decision, as the browser
// does), and the agent exchanges the code. Nothing is minted behind the product's back.
import { createHash, randomBytes } from "node:crypto";
import { decodeJwt } from "jose";

const b64url = (b: Buffer) => b.toString("base64url");

/** A cookie jar good enough for one site (names and values only). */
class Jar {
  private cookies = new Map<string, string>();
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const i = pair.indexOf("=");
      this.cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

async function expectStatus(res: Response, status: number, what: string): Promise<Response> {
  if (res.status !== status) throw new Error(`${what}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
  return res;
}

export interface ProductGrant {
  accessToken: string;
  grantId: string;
  /** The agent (a public client), for revoking its tokens (RFC 7009). */
  clientId: string;
  refreshToken?: string;
}

export async function obtainGrant(o: { issuer: string; mcpUrl: string; email: string; password: string; recipient: string; maxMessages: number }): Promise<ProductGrant> {
  const jar = new Jar();
  const origin = { Origin: o.issuer };
  const form = { "Content-Type": "application/x-www-form-urlencoded" };

  const csrf = await expectStatus(await fetch(`${o.issuer}/api/auth/csrf`), 200, "csrf");
  jar.take(csrf);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const signin = await fetch(`${o.issuer}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { ...form, ...origin, Cookie: jar.header() },
    body: new URLSearchParams({ csrfToken, email: o.email, password: o.password, json: "true" }),
  });
  jar.take(signin);
  if (!jar.header().includes("session-token")) throw new Error(`sign-in failed: HTTP ${signin.status}`);

  const redirectUri = "http://127.0.0.1:9/callback";
  const registered = await expectStatus(
    await fetch(`${o.issuer}/oauth/register`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ client_name: "Benchmark agent", redirect_uris: [redirectUri], token_endpoint_auth_method: "none", grant_types: ["authorization_code", "refresh_token"], response_types: ["code"], scope: "messages:send messages:read" }),
    }),
    201,
    "registration",
  );
  const { client_id: clientId } = (await registered.json()) as { client_id: string };

  const verifier = b64url(randomBytes(32));
  const details = [{ type: "messaging", actions: ["send"], recipients: [o.recipient], max_messages: o.maxMessages }];
  const authorize = new URL(`${o.issuer}/oauth/authorize`);
  authorize.search = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: redirectUri,
    code_challenge: b64url(createHash("sha256").update(verifier).digest()),
    code_challenge_method: "S256",
    state: b64url(randomBytes(16)),
    scope: "messages:send messages:read",
    resource: o.mcpUrl,
    authorization_details: JSON.stringify(details),
  }).toString();
  const toConsent = await fetch(authorize, { redirect: "manual", headers: { Cookie: jar.header() } });
  const consentUrl = new URL(toConsent.headers.get("location") ?? "", o.issuer);
  const requestId = /^\/consent\/([^/?]+)/.exec(consentUrl.pathname)?.[1];
  if (!requestId) {
    // The issuer's own error page says why (an error it may not redirect to the client, RFC 9700 section 4.11.2).
    const why = (await toConsent.text()).replace(/<[^<>]*>/g, " ").replace(/\s+/g, " ").trim().slice(0, 300);
    throw new Error(`authorization request: HTTP ${toConsent.status}, no consent page (${consentUrl.pathname}): ${why}`);
  }

  const page = await (await expectStatus(await fetch(consentUrl, { headers: { Cookie: jar.header() } }), 200, "consent page")).text();
  const consentToken = /name="consent_token" value="([^"]+)"/.exec(page)?.[1];
  if (!consentToken) throw new Error("consent page: no consent_token field");
  const decision = await fetch(`${o.issuer}/consent/${requestId}/decision`, {
    method: "POST",
    redirect: "manual",
    headers: { ...form, ...origin, Cookie: jar.header() },
    body: new URLSearchParams({ consent_token: consentToken, decision: "approve", recipients_0: o.recipient, max_messages_0: String(o.maxMessages) }),
  });
  const code = new URL(decision.headers.get("location") ?? "", o.issuer).searchParams.get("code");
  if (!code) throw new Error(`consent decision: HTTP ${decision.status} ${decision.headers.get("location")}`);

  const token = await expectStatus(
    await fetch(`${o.issuer}/oauth/token`, {
      method: "POST",
      headers: form,
      body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: redirectUri, client_id: clientId, code_verifier: verifier, resource: o.mcpUrl }),
    }),
    200,
    "code exchange",
  );
  const { access_token: accessToken, refresh_token: refreshToken } = (await token.json()) as { access_token: string; refresh_token?: string };
  const grantId = String(decodeJwt(accessToken).grant_id);
  return { accessToken, grantId, clientId, refreshToken };
}
