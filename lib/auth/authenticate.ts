// Sign-in with email and password, rate-limited and audited.
//
// No account is ever locked: anyone who knows an account's email could otherwise lock its
// owner out at will (OWASP Authentication Cheat Sheet, "Account Lockout"). The defences are
// keyed on the guesser instead, and all run BEFORE the Argon2 check, so a spray across many
// emails cannot burn the CPU:
//   - per address: SIGNIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE attempts (a token bucket; a
//     successful sign-in gives its unit back), refused with "rate_limited";
//   - in all: SIGNIN_ATTEMPTS_PER_SECOND Argon2 checks per process, refused likewise (a refusal
//     lasts about a second: it protects the CPU, it is not a lockout);
//   - per account: attempts in the last 15 minutes are counted (in the database, shared by every
//     process), and past the third each attempt waits progressively longer before its password
//     is checked: 250 ms, 500 ms, 1 s... up to SIGNIN_MAX_DELAY_MS. The owner with the right
//     password always gets in, at worst after that delay; a success clears the count.
// Unknown accounts take the same path, including a dummy Argon2 verification, so neither the
// answer nor its timing tells whether an email has an account.
//
// The audit trail records failures without an entry per guess: an entry at the 1st, 2nd, 4th,
// 8th... failure per account (or, for unknown accounts and refusals, per address) in a
// 15-minute window, each carrying the count so far.
import { appendAudit } from "../audit/append";
import { DEFAULT_REQUEST_LIMITS, type AppConfig } from "../config";
import { writeTransaction, type Db } from "../db";
import { isPowerOfTwo, MemoryCounter, MemoryRateLimiter } from "../memory-rate-limit";
import { consumeRateLimit, resetRateLimit } from "../rate-limit";
import { addressKey } from "./client-ip";
import { hashPassword, needsRehash, PASSWORD_MAX_LENGTH, verifyDummyPassword, verifyPassword } from "./password";
import { EmailSchema, toPublicUser, type PublicUser } from "./users";

export { rateLimitMessage } from "./messages";

const WINDOW_SECONDS = 15 * 60;
/** Counts per account; the limit is never reached, only the count is used (for the delay). */
const ACCOUNT_RULE = { limit: 1_000_000, windowSeconds: WINDOW_SECONDS };
/** Attempts on an account in a window before the delay starts. */
const FREE_ATTEMPTS = 3;
const FIRST_DELAY_MS = 250;

export interface SignInLimits {
  perAddress: MemoryRateLimiter;
  global: MemoryRateLimiter;
  maxDelayMs: number;
  /** Counts for aggregated audit entries (unknown accounts and refusals, per address). */
  auditCounts: MemoryCounter;
  sleep(ms: number): Promise<void>;
}

export function createSignInLimits(limits: AppConfig["limits"], sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))): SignInLimits {
  return {
    perAddress: new MemoryRateLimiter({ limit: limits.signInAttemptsPerAddressPerMinute, windowSeconds: 60 }),
    global: new MemoryRateLimiter({ limit: limits.signInAttemptsPerSecond, windowSeconds: 1 }),
    maxDelayMs: limits.signInMaxDelayMs,
    auditCounts: new MemoryCounter(WINDOW_SECONDS),
    sleep,
  };
}

const byConfig = new WeakMap<AppConfig, SignInLimits>();

/** The process's sign-in limits for a configuration (one set per config object). */
export function signInLimitsFor(config: AppConfig): SignInLimits {
  let limits = byConfig.get(config);
  if (!limits) byConfig.set(config, (limits = createSignInLimits(config.limits)));
  return limits;
}

/** The wait before checking the password, given the attempts on the account before this one. */
export function signInDelayMs(earlierAttempts: number, maxDelayMs: number): number {
  if (earlierAttempts < FREE_ATTEMPTS) return 0;
  return Math.min(maxDelayMs, FIRST_DELAY_MS * 2 ** Math.min(20, earlierAttempts - FREE_ATTEMPTS));
}

export interface SignInAttempt {
  email: string;
  password: string;
  /** The client's address as the web server derived it (lib/auth/client-ip.ts), or null. */
  ip: string | null;
}

export type SignInResult =
  | { ok: true; user: PublicUser }
  | { ok: false; reason: "invalid_credentials" | "account_disabled" }
  | { ok: false; reason: "rate_limited"; retryAfterSeconds: number };

let fallback: SignInLimits | undefined;

export async function authenticate(
  db: Db,
  attempt: SignInAttempt,
  now: Date = new Date(),
  limits: SignInLimits = (fallback ??= createSignInLimits(DEFAULT_REQUEST_LIMITS)),
): Promise<SignInResult> {
  const email = signInKeyEmail(attempt.email);
  const password = typeof attempt.password === "string" ? attempt.password.slice(0, PASSWORD_MAX_LENGTH + 1) : "";
  const address = addressKey(attempt.ip);

  const refused = admit(limits, address, now);
  if (refused) {
    const count = limits.auditCounts.increment(`refused|${address}`, now);
    if (isPowerOfTwo(count)) await auditFailure(db, null, attempt.ip, "rate_limited", "denied", count, now);
    return { ok: false, reason: "rate_limited", retryAfterSeconds: refused.retryAfterSeconds };
  }

  const counted = await consumeRateLimit(db, accountKey(email), ACCOUNT_RULE, now);
  const attempts = ACCOUNT_RULE.limit - counted.remaining; // this one included
  const delay = signInDelayMs(attempts - 1, limits.maxDelayMs);
  if (delay > 0) await limits.sleep(delay);

  const user = await db.user.findUnique({ where: { email } });
  if (!user) {
    await verifyDummyPassword(password);
    const count = limits.auditCounts.increment(`unknown|${address}`, now);
    if (isPowerOfTwo(count)) await auditFailure(db, null, attempt.ip, "unknown_account", "failure", count, now);
    return { ok: false, reason: "invalid_credentials" };
  }
  if (!(await verifyPassword(user.passwordHash, password))) {
    if (isPowerOfTwo(attempts)) await auditFailure(db, user.id, attempt.ip, "wrong_password", "failure", attempts, now);
    return { ok: false, reason: "invalid_credentials" };
  }
  limits.perAddress.refund(address, now);
  // Told only to someone who knows the password: it reveals nothing to a guesser.
  if (user.disabledAt) {
    await auditFailure(db, user.id, attempt.ip, "account_disabled", "denied", 1, now);
    return { ok: false, reason: "account_disabled" };
  }
  const newHash = needsRehash(user.passwordHash) ? await hashPassword(password) : null;
  await writeTransaction(db, async (tx) => {
    await resetRateLimit(tx, accountKey(email));
    if (newHash) await tx.user.update({ where: { id: user.id }, data: { passwordHash: newHash } });
    await appendAudit(
      tx,
      { type: "signin.succeeded", outcome: "success", actorType: "user", actorId: user.id, subjectUserId: user.id, details: addressDetails(attempt.ip) },
      now,
    );
  });
  return { ok: true, user: toPublicUser(user) };
}

/** Takes a unit per address, then one from the global budget; the refusal, if any. */
function admit(limits: SignInLimits, address: string, now: Date): { retryAfterSeconds: number } | null {
  const byAddress = limits.perAddress.consume(address, now);
  if (!byAddress.allowed) return byAddress;
  const global = limits.global.consume("all", now);
  if (global.allowed) return null;
  limits.perAddress.refund(address, now);
  return global;
}

// Invalid input still counts against a bucket (named by what was typed), so garbage emails
// cannot be used to probe without limit.
function signInKeyEmail(input: unknown): string {
  const parsed = EmailSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  return typeof input === "string" ? input.trim().toLowerCase().slice(0, 254) : "";
}

function accountKey(email: string): string {
  return `signin:${email}`;
}

function addressDetails(ip: string | null): Record<string, unknown> {
  return ip ? { ip } : {};
}

async function auditFailure(db: Db, userId: string | null, ip: string | null, reason: string, outcome: "failure" | "denied", attemptsInWindow: number, now: Date) {
  await writeTransaction(db, (tx) =>
    appendAudit(
      tx,
      {
        type: "signin.failed",
        outcome,
        actorType: "user",
        actorId: userId,
        subjectUserId: userId,
        reason,
        details: { ...addressDetails(ip), account_known: userId !== null, attempts_in_window: attemptsInWindow },
      },
      now,
    ),
  );
}
