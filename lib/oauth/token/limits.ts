// Rate limits at the token endpoint (RFC 6749 section 10.10, RFC 9700 section 4.15).
//
// A request naming a client is not that client until it authenticates, so the client's own
// budget counts only authenticated requests: anyone can send "client_id=mcp-server" with a
// wrong secret, and such requests must not spend the real MCP server's budget. Failed
// authentications are limited per source address and per client+address instead, and those
// units are taken BEFORE the credentials are checked (a parallel burst is counted in full)
// and given back when authentication succeeds.
//
// An address whose failure budget is spent is refused before its credentials are checked,
// whichever client it names: from that address, an attacker and a good client cannot be told
// apart without checking, and checking would give the attacker back the oracle the limit
// exists to take away. Other addresses are unaffected. This is why a deployment behind a
// reverse proxy must set TRUST_PROXY (lib/auth/client-ip.ts): otherwise every client shares
// the proxy's address.
//
// A public client (token_endpoint_auth_method "none") proves nothing by naming itself, so its
// budget is per client+address.
//
// All buckets are in memory, per process (lib/memory-rate-limit.ts says why that is enough).
import type { AppConfig } from "../../config";
import { MemoryRateLimiter } from "../../memory-rate-limit";
import { processWide } from "../../process-wide";
import type { RateLimitResult } from "../../rate-limit";
import type { ClientRecord } from "../clients/store";
import { OAuthError } from "../errors";

export interface TokenLimits {
  perClient: MemoryRateLimiter;
  failuresPerAddress: MemoryRateLimiter;
  failuresPerClientAndAddress: MemoryRateLimiter;
}

export function createTokenLimits(limits: AppConfig["limits"]): TokenLimits {
  return {
    perClient: new MemoryRateLimiter({ limit: limits.tokenRequestsPerClientPerMinute, windowSeconds: 60 }),
    failuresPerAddress: new MemoryRateLimiter({ limit: limits.tokenAuthFailuresPerAddressPerMinute, windowSeconds: 60 }),
    failuresPerClientAndAddress: new MemoryRateLimiter({ limit: limits.tokenAuthFailuresPerClientAndAddressPerMinute, windowSeconds: 60 }),
  };
}

// One set per configuration object: the process's (config() is loaded once) in production,
// a fresh one for each test's configuration.
const byConfig = processWide("token-limits", () => new WeakMap<AppConfig, TokenLimits>());

export function tokenLimitsFor(config: AppConfig): TokenLimits {
  let limits = byConfig.get(config);
  if (!limits) byConfig.set(config, (limits = createTokenLimits(config.limits)));
  return limits;
}

function tooMany(result: RateLimitResult, description: string): OAuthError {
  return new OAuthError("temporarily_unavailable", description, { status: 429, headers: { "Retry-After": String(result.retryAfterSeconds) } });
}

/**
 * Takes one failure unit per address and per client+address before authentication, or throws
 * 429. Call the returned function once the client has authenticated, to give them back.
 */
export function admitAuthenticationAttempt(limits: TokenLimits, address: string, claimedClientId: string, now: Date): () => void {
  const pairKey = `${claimedClientId.slice(0, 200)}|${address}`;
  const pair = limits.failuresPerClientAndAddress.peek(pairKey, now);
  if (!pair.allowed) throw tooMany(pair, "too many failed client authentications from this address; retry later");
  const byAddress = limits.failuresPerAddress.consume(address, now);
  if (!byAddress.allowed) throw tooMany(byAddress, "too many failed client authentications from this address; retry later");
  limits.failuresPerClientAndAddress.consume(pairKey, now);
  return () => {
    limits.failuresPerAddress.refund(address, now);
    limits.failuresPerClientAndAddress.refund(pairKey, now);
  };
}

/** Counts one request against the authenticated client's budget, or throws 429. */
export function countClientRequest(limits: TokenLimits, client: ClientRecord, address: string, now: Date): void {
  const key = client.tokenEndpointAuthMethod === "none" ? `${client.id}|${address}` : client.id;
  const result = limits.perClient.consume(key, now);
  if (!result.allowed) throw tooMany(result, "too many token requests; retry later");
}
