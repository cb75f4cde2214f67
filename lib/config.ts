// The one configuration module. Every variable is documented in .env.example.
// Development secrets are generated on first start and kept in the data directory (never
// in git); in production mode every secret and public URL must be given explicitly.
import { hkdfSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { z } from "zod";
import { MAX_ACCESS_TOKEN_LIFETIME_SECONDS } from "./contracts/access-token";
import { trimTrailingSlashes } from "./http/text";
import { processWide } from "./process-wide";

const port = z.coerce.number().int().min(1).max(65535);
const url = z.url({ protocol: /^https?$/ });
const secret = z.string().min(32, "must be at least 32 characters");
const budget = z.coerce.number().int().min(1).max(1_000_000);

/** The abuse budgets' defaults (documented in .env.example). */
export const DEFAULT_REQUEST_LIMITS: RequestLimits = {
  tokenRequestsPerClientPerMinute: 300,
  tokenAuthFailuresPerAddressPerMinute: 60,
  tokenAuthFailuresPerClientAndAddressPerMinute: 10,
  signInAttemptsPerAddressPerMinute: 10,
  signInAttemptsPerSecond: 20,
  signInMaxDelayMs: 2000,
  authorizationRequestsPerAddressPerMinute: 30,
  metadataClientsPerAddressPerHour: 20,
};

const EnvSchema = z.object({
  APP_ENV: z.enum(["development", "production", "test"]).optional(),
  NODE_ENV: z.string().optional(),
  DATA_DIR: z.string().default("data"),
  DATABASE_URL: z.string().optional(),
  PORT: port.default(3000),
  MCP_PORT: port.default(3001),
  BIND_HOST: z.string().default("127.0.0.1"),
  ISSUER_URL: url.optional(),
  MCP_RESOURCE_URL: url.optional(),
  MESSAGING_RESOURCE_URL: url.optional(),
  AUTH_SECRET: secret.optional(),
  KEY_ENCRYPTION_KEY: z.string().regex(/^[A-Za-z0-9_-]{43}$/, "must be 32 bytes, base64url (43 characters)").optional(),
  MCP_CLIENT_ID: z.string().min(1).default("mcp-server"),
  MCP_CLIENT_SECRET: secret.optional(),
  AUDIT_HMAC_KEY: secret.optional(),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(MAX_ACCESS_TOKEN_LIFETIME_SECONDS).default(600),
  REFRESH_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).default(30 * 24 * 3600),
  REFRESH_REUSE_LEEWAY_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  MAX_GRANT_LIFETIME_SECONDS: z.coerce.number().int().min(60).default(7 * 24 * 3600),
  SIGNING_KEY_MAX_AGE_DAYS: z.coerce.number().positive().default(30),
  CIBA_POLL_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(60).default(5),
  CIBA_REQUEST_TTL_SECONDS: z.coerce.number().int().min(5).max(3600).default(300),
  DEVICE_CODE_TTL_SECONDS: z.coerce.number().int().min(5).max(3600).default(600),
  CIBA_PROMPTS_PER_USER_PER_HOUR: z.coerce.number().int().min(1).max(1000).default(10),
  EXTENSION_REQUEST_TTL_SECONDS: z.coerce.number().int().min(5).max(3600).default(300),
  EXTENSION_REQUESTS_PENDING_PER_GRANT: z.coerce.number().int().min(1).max(100).default(3),
  EXTENSION_REQUESTS_PER_GRANT_PER_HOUR: z.coerce.number().int().min(1).max(1000).default(10),
  REGISTRATIONS_PER_ADDRESS_PER_HOUR: z.coerce.number().int().min(1).default(20),
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  TOKEN_REQUESTS_PER_CLIENT_PER_MINUTE: budget.default(DEFAULT_REQUEST_LIMITS.tokenRequestsPerClientPerMinute),
  TOKEN_AUTH_FAILURES_PER_ADDRESS_PER_MINUTE: budget.default(DEFAULT_REQUEST_LIMITS.tokenAuthFailuresPerAddressPerMinute),
  TOKEN_AUTH_FAILURES_PER_CLIENT_AND_ADDRESS_PER_MINUTE: budget.default(DEFAULT_REQUEST_LIMITS.tokenAuthFailuresPerClientAndAddressPerMinute),
  SIGNIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: budget.default(DEFAULT_REQUEST_LIMITS.signInAttemptsPerAddressPerMinute),
  SIGNIN_ATTEMPTS_PER_SECOND: budget.default(DEFAULT_REQUEST_LIMITS.signInAttemptsPerSecond),
  SIGNIN_MAX_DELAY_MS: z.coerce.number().int().min(0).max(10_000).default(DEFAULT_REQUEST_LIMITS.signInMaxDelayMs),
  AUTHORIZATION_REQUESTS_PER_ADDRESS_PER_MINUTE: budget.default(DEFAULT_REQUEST_LIMITS.authorizationRequestsPerAddressPerMinute),
  METADATA_CLIENTS_PER_ADDRESS_PER_HOUR: budget.default(DEFAULT_REQUEST_LIMITS.metadataClientsPerAddressPerHour),
  NOTIFICATION_WEBHOOK_URL: url.optional(),
  NOTIFICATION_WEBHOOK_SECRET: z.string().optional(),
  MESSAGING_PROVIDER: z.enum(["sandbox", "twilio", "webhook"]).default("sandbox"),
  TWILIO_API_BASE: url.default("https://api.twilio.com"),
  TWILIO_ACCOUNT_SID: z.string().optional(),
  TWILIO_AUTH_TOKEN: z.string().optional(),
  TWILIO_FROM: z.string().optional(),
  MESSAGING_WEBHOOK_URL: url.optional(),
  MESSAGING_WEBHOOK_SECRET: z.string().optional(),
  MESSAGING_PROVIDER_TIMEOUT_SECONDS: z.coerce.number().positive().max(120).default(10),
  MESSAGING_LEASE_SECONDS: z.coerce.number().positive().max(3600).default(60),
  MESSAGING_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(10),
  MESSAGING_RETRY_BASE_SECONDS: z.coerce.number().positive().default(30),
  MESSAGING_RETRY_MAX_SECONDS: z.coerce.number().positive().default(3600),
  // Scale-out (docs/deployment.md): who leads singleton work, how an instance stops.
  INSTANCE_NAME: z.string().max(60).regex(/^[\w.:@-]+$/).optional(),
  LEADER_RETRY_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
  SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).max(60_000).default(2000),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
  AUDIT_CHECKPOINT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  RETENTION_SWEEP_INTERVAL_SECONDS: z.coerce.number().int().min(60).default(3600),
  RETENTION_AUTHORIZATION_REQUEST_DAYS: z.coerce.number().min(0).default(7),
  RETENTION_AUTHORIZATION_CODE_DAYS: z.coerce.number().min(0).default(1),
  RETENTION_TOKEN_DAYS: z.coerce.number().min(0).default(7),
  RETENTION_METADATA_CLIENT_DAYS: z.coerce.number().min(1).default(30),
  ALLOW_PRIVATE_METADATA_FETCH: z.enum(["0", "1"]).optional(),
  DPOP_REQUIRE_NONCE: z.enum(["0", "1"]).optional(),
  WEB_FAST_PATH: z.enum(["0", "1"]).optional(),
  MCP_ALLOWED_ORIGINS: z.string().optional(),
  // The MCP SDK's own transport refuses batches over 100 messages.
  MCP_MAX_BATCH: z.coerce.number().int().min(1).max(100).default(10),
});

export type AppMode = "development" | "production" | "test";

export interface AppConfig {
  mode: AppMode;
  dataDir: string;
  databaseUrl: string;
  port: number;
  mcpPort: number;
  bindHost: string;
  issuerUrl: string;
  mcpResourceUrl: string;
  messagingResourceUrl: string;
  authSecret: string;
  keyEncryptionKey: string;
  mcpClientId: string;
  mcpClientSecret: string;
  /** Keys the message-body hashes in the audit trail (HMAC-SHA-256, docs/audit.md); shared by every process. */
  auditHmacKey: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Seconds after a rotation in which the same client may present the rotated token again and get the same successor; 0: never (lib/oauth/token/refresh.ts). */
  refreshReuseLeewaySeconds: number;
  maxGrantLifetimeSeconds: number;
  signingKeyMaxAgeDays: number;
  /** Minimum seconds between token polls for CIBA and device requests (CIBA section 7.3, RFC 8628 section 3.2). */
  pollIntervalSeconds: number;
  /** Lifetime of a CIBA auth_req_id. */
  cibaRequestTtlSeconds: number;
  /** Lifetime of a device_code / user_code pair. */
  deviceCodeTtlSeconds: number;
  /** Backchannel requests (prompts) one login_hint may receive per hour, whether or not it names a user. */
  cibaPromptsPerUserPerHour: number;
  /** In-call consent requests (lib/grants/extensions.ts): lifetime, and per-grant limits. */
  extensionRequests: { ttlSeconds: number; pendingPerGrant: number; perGrantPerHour: number };
  /** Dynamic client registrations one address may make per hour (RFC 7591 endpoint). */
  registrationsPerAddressPerHour: number;
  /**
   * How many reverse proxies in front of the web app append to X-Forwarded-For (0: none, the
   * header is ignored and the socket's peer is the client). See lib/auth/client-ip.ts.
   */
  trustProxy: number;
  /** Abuse budgets counted in memory, per process (lib/memory-rate-limit.ts says why). */
  limits: RequestLimits;
  /** Extra notification channel: pending requests are POSTed here as JSON (HMAC-signed with the secret when set). */
  notificationWebhook?: { url: string; secret?: string };
  /** Loopback and private addresses may be fetched for client metadata documents (development only). */
  allowPrivateMetadataFetch: boolean;
  /** The token endpoint answers a DPoP proof without a server nonce with use_dpop_nonce (RFC 9449 section 8). */
  dpopRequireNonce: boolean;
  /** The web server answers the machine endpoints without Next.js (scripts/start/fast-path.ts); off only to compare. */
  webFastPath: boolean;
  /** Browser origins allowed to call the MCP endpoint (besides the issuer's and its own; loopback too outside production). */
  mcpAllowedOrigins: string[];
  /** Most JSON-RPC messages in one batch to the MCP server; every call in it is authorized and audited. */
  mcpMaxBatch: number;
  secureCookies: boolean;
  /** How the outbox calls the provider (lib/messaging/claim.ts, deliver.ts). */
  delivery: DeliveryConfig;
  /** How long finished rows are kept before the sweeps delete them (lib/retention). */
  retention: RetentionConfig;
  /** Several instances on one database (docs/deployment.md). */
  scale: ScaleConfig;
  messaging:
    | { provider: "sandbox" }
    | { provider: "twilio"; apiBase: string; accountSid: string; authToken: string; from: string }
    | { provider: "webhook"; url: string; secret?: string };
}

export interface DeliveryConfig {
  /** A provider call is aborted after this long (its outcome is then unknown: it is retried with the same idempotency key). */
  providerTimeoutMs: number;
  /** One process holds a message this long per attempt; no other process calls the provider for it meanwhile. */
  leaseMs: number;
  /** Provider calls per message, at most; then it is marked failed. */
  maxAttempts: number;
  /** Wait before retry n: retryBaseMs * 2^(n-1), at most retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
}

export interface ScaleConfig {
  /** Names this process in logs, readiness and the database's list of sessions; default host:pid. */
  instanceName: string;
  /** How often a follower tries to take leadership of singleton work (lib/leader). */
  leaderRetryMs: number;
  /** On SIGTERM, readiness is red this long before the listener closes, so the load balancer notices first. */
  shutdownDrainMs: number;
  /** Then in-flight requests get at most this long to finish. */
  shutdownTimeoutMs: number;
  /** Seconds between audit checkpoints (docs/audit.md, "Checkpoints"). */
  auditCheckpointSeconds: number;
}

export interface RetentionConfig {
  intervalSeconds: number;
  /** Each period counts from the row's own expiry (or last use, for metadata-document clients). */
  authorizationRequestMs: number;
  authorizationCodeMs: number;
  tokenMs: number;
  metadataClientMs: number;
}

export interface RequestLimits {
  /** Token requests one authenticated client may make per minute. */
  tokenRequestsPerClientPerMinute: number;
  /** Failed client authentications at the token endpoint per address, and per client and address. */
  tokenAuthFailuresPerAddressPerMinute: number;
  tokenAuthFailuresPerClientAndAddressPerMinute: number;
  /** Sign-in attempts per address per minute, and per second in all (both before Argon2). */
  signInAttemptsPerAddressPerMinute: number;
  signInAttemptsPerSecond: number;
  /** The longest delay an account under attack adds to a sign-in (never a lockout). */
  signInMaxDelayMs: number;
  /** Authorization requests (GET /oauth/authorize, POST /oauth/par) stored per address per minute. */
  authorizationRequestsPerAddressPerMinute: number;
  /** New Client ID Metadata Document clients stored per address per hour. */
  metadataClientsPerAddressPerHour: number;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

interface DevSecrets {
  authSecret: string;
  keyEncryptionKey: string;
  mcpClientSecret: string;
  auditHmacKey: string;
}

/** Reads, or creates on first start, the development secrets kept in the data directory. */
function devSecrets(dataDir: string): DevSecrets {
  const file = path.join(dataDir, "dev-secrets.json");
  if (existsSync(file)) return withAuditKey(JSON.parse(readFileSync(file, "utf8")) as DevSecrets);
  mkdirSync(dataDir, { recursive: true });
  const fresh: DevSecrets = {
    authSecret: randomBytes(32).toString("base64url"),
    keyEncryptionKey: randomBytes(32).toString("base64url"),
    mcpClientSecret: randomBytes(32).toString("base64url"),
    auditHmacKey: randomBytes(32).toString("base64url"),
  };
  try {
    writeFileSync(file, JSON.stringify(fresh, null, 2), { mode: 0o600, flag: "wx" });
    return fresh;
  } catch {
    // Another process created it first: use theirs so both processes share the secrets.
    return withAuditKey(JSON.parse(readFileSync(file, "utf8")) as DevSecrets);
  }
}

/**
 * A file written before the audit key existed has none. Rewriting it would race the other
 * process starting at the same moment (each would pick its own key), so the key is derived
 * from the file's own authSecret instead (HKDF, RFC 5869): every process gets the same one.
 */
function withAuditKey(dev: DevSecrets): DevSecrets {
  if (dev.auditHmacKey) return dev;
  const derived = Buffer.from(hkdfSync("sha256", dev.authSecret, "agent-grants", "audit message body hmac key v1", 32));
  return { ...dev, auditHmacKey: derived.toString("base64url") };
}

export function loadConfig(rawEnv: Record<string, string | undefined> = process.env): AppConfig {
  // An empty value (as in a copied .env.example) means "not set".
  const env = Object.fromEntries(Object.entries(rawEnv).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  // `next start` forces NODE_ENV=production, so APP_ENV (set by the launcher) names the mode.
  const mode: AppMode = e.APP_ENV ?? (e.NODE_ENV === "production" ? "production" : e.NODE_ENV === "test" ? "test" : "development");
  const dataDir = path.resolve(e.DATA_DIR);

  if (mode === "production") {
    const missing = ["AUTH_SECRET", "KEY_ENCRYPTION_KEY", "MCP_CLIENT_SECRET", "AUDIT_HMAC_KEY", "ISSUER_URL", "MCP_RESOURCE_URL"].filter((k) => !env[k]);
    if (missing.length) {
      throw new ConfigError(
        `Refusing to start in production with development defaults. Set ${missing.join(", ")} ` +
          `(see .env.example), or run with APP_ENV=development on a machine of your own.`,
      );
    }
  }
  const dev = mode === "production" ? undefined : devSecrets(dataDir);

  const issuerUrl = trimTrailingSlashes(e.ISSUER_URL ?? `http://localhost:${e.PORT}`);
  const messaging = messagingConfig(e);
  return {
    mode,
    dataDir,
    databaseUrl: e.DATABASE_URL ?? `file:${path.join(dataDir, "app.db")}`,
    port: e.PORT,
    mcpPort: e.MCP_PORT,
    bindHost: e.BIND_HOST,
    issuerUrl,
    mcpResourceUrl: trimTrailingSlashes(e.MCP_RESOURCE_URL ?? `http://localhost:${e.MCP_PORT}/mcp`),
    messagingResourceUrl: trimTrailingSlashes(e.MESSAGING_RESOURCE_URL ?? `${issuerUrl}/api/messages`),
    authSecret: e.AUTH_SECRET ?? dev!.authSecret,
    keyEncryptionKey: e.KEY_ENCRYPTION_KEY ?? dev!.keyEncryptionKey,
    mcpClientId: e.MCP_CLIENT_ID,
    mcpClientSecret: e.MCP_CLIENT_SECRET ?? dev!.mcpClientSecret,
    auditHmacKey: e.AUDIT_HMAC_KEY ?? dev!.auditHmacKey,
    accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: e.REFRESH_TOKEN_TTL_SECONDS,
    refreshReuseLeewaySeconds: e.REFRESH_REUSE_LEEWAY_SECONDS,
    maxGrantLifetimeSeconds: e.MAX_GRANT_LIFETIME_SECONDS,
    signingKeyMaxAgeDays: e.SIGNING_KEY_MAX_AGE_DAYS,
    pollIntervalSeconds: e.CIBA_POLL_INTERVAL_SECONDS,
    cibaRequestTtlSeconds: e.CIBA_REQUEST_TTL_SECONDS,
    deviceCodeTtlSeconds: e.DEVICE_CODE_TTL_SECONDS,
    cibaPromptsPerUserPerHour: e.CIBA_PROMPTS_PER_USER_PER_HOUR,
    extensionRequests: {
      ttlSeconds: e.EXTENSION_REQUEST_TTL_SECONDS,
      pendingPerGrant: e.EXTENSION_REQUESTS_PENDING_PER_GRANT,
      perGrantPerHour: e.EXTENSION_REQUESTS_PER_GRANT_PER_HOUR,
    },
    registrationsPerAddressPerHour: e.REGISTRATIONS_PER_ADDRESS_PER_HOUR,
    trustProxy: e.TRUST_PROXY,
    limits: {
      tokenRequestsPerClientPerMinute: e.TOKEN_REQUESTS_PER_CLIENT_PER_MINUTE,
      tokenAuthFailuresPerAddressPerMinute: e.TOKEN_AUTH_FAILURES_PER_ADDRESS_PER_MINUTE,
      tokenAuthFailuresPerClientAndAddressPerMinute: e.TOKEN_AUTH_FAILURES_PER_CLIENT_AND_ADDRESS_PER_MINUTE,
      signInAttemptsPerAddressPerMinute: e.SIGNIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE,
      signInAttemptsPerSecond: e.SIGNIN_ATTEMPTS_PER_SECOND,
      signInMaxDelayMs: e.SIGNIN_MAX_DELAY_MS,
      authorizationRequestsPerAddressPerMinute: e.AUTHORIZATION_REQUESTS_PER_ADDRESS_PER_MINUTE,
      metadataClientsPerAddressPerHour: e.METADATA_CLIENTS_PER_ADDRESS_PER_HOUR,
    },
    notificationWebhook: e.NOTIFICATION_WEBHOOK_URL ? { url: e.NOTIFICATION_WEBHOOK_URL, secret: e.NOTIFICATION_WEBHOOK_SECRET } : undefined,
    allowPrivateMetadataFetch: mode !== "production" && e.ALLOW_PRIVATE_METADATA_FETCH !== "0",
    dpopRequireNonce: e.DPOP_REQUIRE_NONCE === "1",
    webFastPath: e.WEB_FAST_PATH !== "0",
    mcpAllowedOrigins: (e.MCP_ALLOWED_ORIGINS ?? "").split(",").map((o) => trimTrailingSlashes(o.trim())).filter(Boolean),
    mcpMaxBatch: e.MCP_MAX_BATCH,
    secureCookies: issuerUrl.startsWith("https://"),
    delivery: deliveryConfig(e),
    scale: {
      instanceName: e.INSTANCE_NAME ?? `${hostname()}:${process.pid}`,
      leaderRetryMs: e.LEADER_RETRY_MS,
      shutdownDrainMs: e.SHUTDOWN_DRAIN_MS,
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
      auditCheckpointSeconds: e.AUDIT_CHECKPOINT_SECONDS,
    },
    retention: {
      intervalSeconds: e.RETENTION_SWEEP_INTERVAL_SECONDS,
      authorizationRequestMs: e.RETENTION_AUTHORIZATION_REQUEST_DAYS * DAY_MS,
      authorizationCodeMs: e.RETENTION_AUTHORIZATION_CODE_DAYS * DAY_MS,
      tokenMs: e.RETENTION_TOKEN_DAYS * DAY_MS,
      metadataClientMs: e.RETENTION_METADATA_CLIENT_DAYS * DAY_MS,
    },
    messaging,
  };
}

const DAY_MS = 24 * 3600_000;

function deliveryConfig(e: z.infer<typeof EnvSchema>): DeliveryConfig {
  // A lease shorter than a provider call would let a second process send while the first is
  // still waiting for its answer: the very double delivery the lease exists to prevent.
  if (e.MESSAGING_LEASE_SECONDS <= e.MESSAGING_PROVIDER_TIMEOUT_SECONDS * 2) {
    throw new ConfigError("MESSAGING_LEASE_SECONDS must be more than twice MESSAGING_PROVIDER_TIMEOUT_SECONDS.");
  }
  if (e.MESSAGING_RETRY_MAX_SECONDS < e.MESSAGING_RETRY_BASE_SECONDS) {
    throw new ConfigError("MESSAGING_RETRY_MAX_SECONDS must not be less than MESSAGING_RETRY_BASE_SECONDS.");
  }
  return {
    providerTimeoutMs: e.MESSAGING_PROVIDER_TIMEOUT_SECONDS * 1000,
    leaseMs: e.MESSAGING_LEASE_SECONDS * 1000,
    maxAttempts: e.MESSAGING_MAX_ATTEMPTS,
    retryBaseMs: e.MESSAGING_RETRY_BASE_SECONDS * 1000,
    retryMaxMs: e.MESSAGING_RETRY_MAX_SECONDS * 1000,
  };
}

function messagingConfig(e: z.infer<typeof EnvSchema>): AppConfig["messaging"] {
  if (e.MESSAGING_PROVIDER === "twilio") {
    const { TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken, TWILIO_FROM: from } = e;
    if (!accountSid || !authToken || !from) {
      throw new ConfigError("MESSAGING_PROVIDER=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM.");
    }
    return { provider: "twilio", apiBase: trimTrailingSlashes(e.TWILIO_API_BASE), accountSid, authToken, from };
  }
  if (e.MESSAGING_PROVIDER === "webhook") {
    if (!e.MESSAGING_WEBHOOK_URL) throw new ConfigError("MESSAGING_PROVIDER=webhook needs MESSAGING_WEBHOOK_URL.");
    return { provider: "webhook", url: e.MESSAGING_WEBHOOK_URL, secret: e.MESSAGING_WEBHOOK_SECRET };
  }
  return { provider: "sandbox" };
}

/**
 * The process-wide configuration, loaded once. One object per process (lib/process-wide.ts):
 * state kept per configuration, such as the rate-limit buckets, must be the same for both
 * copies of the core in the web app.
 */
export function config(): AppConfig {
  return processWide("config", loadConfig);
}
