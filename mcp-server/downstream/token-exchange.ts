// Messaging-API tokens for the MCP server, by OAuth 2.0 Token Exchange (RFC 8693) at the
// issuer. The MCP server authenticates as a confidential client (client_secret_basic, RFC 6749
// section 2.3.1) and presents the agent's token as subject_token; the issuer answers with a
// token whose audience is the messaging API, whose `act` names the MCP server and the agent,
// and which is never broader than the agent's grant. The agent's token itself never goes to
// the messaging API and is never logged.
//
// Caching: an exchanged token is reused only for the same subject token (the same agent, grant
// and scope), never across agents, and only until 30 s before it expires. That is safe because
// the messaging API checks the grant's liveness and quota on every request anyway.
import { createHash } from "node:crypto";

export interface TokenExchangeOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The audience wanted (RFC 8707 resource): the messaging API. */
  resource: string;
  fetch?: typeof fetch;
  now?: () => number;
}

export class ExchangeError extends Error {
  override name = "ExchangeError";
  constructor(
    /** The OAuth error code from the issuer, or "unavailable" when it could not be reached. */
    readonly code: string,
    readonly status: number,
  ) {
    super(`token exchange failed: ${code}`);
  }
}

export interface ExchangedToken {
  accessToken: string;
  expiresAt: number;
}

const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";
const REUSE_MARGIN_MS = 30_000;

// RFC 6749 section 2.3.1: client id and secret are form-urlencoded before Basic encoding.
const formEncode = (s: string) => encodeURIComponent(s).replace(/%20/g, "+");

export class TokenExchanger {
  private tokenEndpoint: string | undefined;
  private readonly cache = new Map<string, ExchangedToken>();
  private readonly fetchFn: typeof fetch;
  private readonly now: () => number;

  constructor(private readonly options: TokenExchangeOptions) {
    this.fetchFn = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
  }

  private cacheKey(subjectToken: string, scope: string): string {
    return createHash("sha256").update(`${scope}\u0000${subjectToken}`).digest("base64url");
  }

  async tokenFor(subjectToken: string, scope: string): Promise<ExchangedToken> {
    const key = this.cacheKey(subjectToken, scope);
    const hit = this.cache.get(key);
    if (hit && hit.expiresAt - REUSE_MARGIN_MS > this.now()) return hit;
    const fresh = await this.exchange(subjectToken, scope);
    if (this.cache.size > 5_000) this.cache.clear();
    this.cache.set(key, fresh);
    return fresh;
  }

  /** Forget a cached token (the messaging API refused it). */
  evict(subjectToken: string, scope: string): void {
    this.cache.delete(this.cacheKey(subjectToken, scope));
  }

  private async endpoint(): Promise<string> {
    if (this.tokenEndpoint) return this.tokenEndpoint;
    const res = await this.fetchFn(`${this.options.issuer}/.well-known/oauth-authorization-server`, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) throw new ExchangeError("unavailable", 503);
    const metadata = (await res.json()) as { issuer?: string; token_endpoint?: string };
    if (metadata.issuer !== this.options.issuer || typeof metadata.token_endpoint !== "string") throw new ExchangeError("unavailable", 503);
    this.tokenEndpoint = metadata.token_endpoint;
    return this.tokenEndpoint;
  }

  private async exchange(subjectToken: string, scope: string): Promise<ExchangedToken> {
    let res: Response;
    try {
      const basic = Buffer.from(`${formEncode(this.options.clientId)}:${formEncode(this.options.clientSecret)}`).toString("base64");
      res = await this.fetchFn(await this.endpoint(), {
        method: "POST",
        headers: { Authorization: `Basic ${basic}`, "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
        body: new URLSearchParams({
          grant_type: TOKEN_EXCHANGE,
          subject_token: subjectToken,
          subject_token_type: ACCESS_TOKEN_TYPE,
          requested_token_type: ACCESS_TOKEN_TYPE,
          resource: this.options.resource,
          scope,
        }),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      if (err instanceof ExchangeError) throw err;
      throw new ExchangeError("unavailable", 503);
    }
    const body = (await res.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown; error?: unknown; token_type?: unknown };
    if (!res.ok) throw new ExchangeError(typeof body.error === "string" ? body.error : "server_error", res.status);
    if (typeof body.access_token !== "string" || typeof body.expires_in !== "number") throw new ExchangeError("server_error", 502);
    return { accessToken: body.access_token, expiresAt: this.now() + body.expires_in * 1000 };
  }
}
