// Per-address budgets on the requests that make the server store something for a caller who
// has proved nothing: an authorization request (GET or POST /oauth/authorize, POST /oauth/par)
// stores a pending request and an audit entry; a new Client ID Metadata Document URL makes
// the server fetch a document and store a client and an audit entry. Without a budget, one
// address could fill the database (RFC 9700 section 4.15; the registration endpoint has its
// own budget, REGISTRATIONS_PER_ADDRESS_PER_HOUR).
//
// The buckets are in memory, per process (lib/memory-rate-limit.ts says why that is enough),
// so a refused request costs no database write. A refusal is 429 with Retry-After, as the
// endpoint's own error (JSON at PAR and the token endpoint, an error page at /authorize).
import { addressKey, clientIp } from "../auth/client-ip";
import type { AppConfig } from "../config";
import type { Deps } from "../deps";
import { MemoryRateLimiter } from "../memory-rate-limit";
import { processWide } from "../process-wide";
import { isMetadataDocumentClientId } from "./clients/metadata-document";
import { loadClient } from "./clients/store";
import { OAuthError } from "./errors";

interface RequestLimits {
  authorizationRequests: MemoryRateLimiter;
  metadataClients: MemoryRateLimiter;
}

// Process-wide (lib/process-wide.ts): the Next.js pages and the web server's fast path count in
// the same buckets.
const byConfig = processWide("oauth-request-limits", () => new WeakMap<AppConfig, RequestLimits>());

function limitsFor(config: AppConfig): RequestLimits {
  let limits = byConfig.get(config);
  if (!limits) {
    limits = {
      authorizationRequests: new MemoryRateLimiter({ limit: config.limits.authorizationRequestsPerAddressPerMinute, windowSeconds: 60 }),
      metadataClients: new MemoryRateLimiter({ limit: config.limits.metadataClientsPerAddressPerHour, windowSeconds: 3600 }),
    };
    byConfig.set(config, limits);
  }
  return limits;
}

function take(limiter: MemoryRateLimiter, req: Request, deps: Deps, what: string): void {
  const result = limiter.consume(addressKey(clientIp(req.headers)), deps.now());
  if (!result.allowed) {
    throw new OAuthError("temporarily_unavailable", `too many ${what} from this address; retry later`, {
      status: 429,
      headers: { "Retry-After": String(result.retryAfterSeconds) },
    });
  }
}

/** Counts one authorization request (authorize or PAR) against the caller's address, or throws 429. */
export function countAuthorizationRequest(req: Request, deps: Deps): void {
  take(limitsFor(deps.config).authorizationRequests, req, deps, "authorization requests");
}

/**
 * When `clientId` is a metadata document URL the server has not stored yet, counts it against
 * the caller's address before anything is fetched or stored, or throws 429.
 */
export async function countNewMetadataClient(req: Request, deps: Deps, clientId: string | null | undefined): Promise<void> {
  if (!clientId || !isMetadataDocumentClientId(clientId, deps.config)) return;
  if (await loadClient(deps.db, clientId)) return; // known: refreshing its cached document stores no new client
  take(limitsFor(deps.config).metadataClients, req, deps, "new metadata document clients");
}

/** A refusal from this module, for endpoints that answer with a page rather than JSON. */
export function isTooManyRequests(err: unknown): err is OAuthError {
  return err instanceof OAuthError && err.status === 429;
}
