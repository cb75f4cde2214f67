// Sign-in with email and password, rate-limited and audited.
//
// Every attempt takes a unit from two fixed-window buckets BEFORE the password is checked, so a
// burst of parallel guesses cannot all slip in before the first failure is counted:
//   - per account and client address: 5 attempts per 15 minutes (slows one guesser down);
//   - per account: 20 attempts per 15 minutes (slows guessers spread over many addresses).
// A successful sign-in empties both, so only failures accumulate (OWASP Authentication Cheat
// Sheet, "Protect against automated attacks"). Unknown accounts take the same path, including
// a dummy Argon2 verification, so neither the answer nor its timing tells whether an email
// has an account.
import { appendAudit } from "../audit/append";
import { writeTransaction, type Db } from "../db";
import { consumeRateLimits, resetRateLimit, type RateLimitRule } from "../rate-limit";
import { hashPassword, needsRehash, PASSWORD_MAX_LENGTH, verifyDummyPassword, verifyPassword } from "./password";
import { EmailSchema, toPublicUser, type PublicUser } from "./users";

export { rateLimitMessage } from "./messages";

export const SIGNIN_RULES = {
  perAccountAndAddress: { limit: 5, windowSeconds: 15 * 60 },
  perAccount: { limit: 20, windowSeconds: 15 * 60 },
} satisfies Record<string, RateLimitRule>;

export interface SignInAttempt {
  email: string;
  password: string;
  /** The client's address as the web server sees it, or null when unknown. */
  ip: string | null;
}

export type SignInResult =
  | { ok: true; user: PublicUser }
  | { ok: false; reason: "invalid_credentials" | "account_disabled" }
  | { ok: false; reason: "rate_limited"; retryAfterSeconds: number };

export async function authenticate(
  db: Db,
  attempt: SignInAttempt,
  now: Date = new Date(),
  rules: typeof SIGNIN_RULES = SIGNIN_RULES,
): Promise<SignInResult> {
  const email = signInKeyEmail(attempt.email);
  const password = typeof attempt.password === "string" ? attempt.password.slice(0, PASSWORD_MAX_LENGTH + 1) : "";
  const keys = bucketKeys(email, attempt.ip);
  const limit = await consumeRateLimits(
    db,
    [
      { key: keys.perAccountAndAddress, rule: rules.perAccountAndAddress },
      { key: keys.perAccount, rule: rules.perAccount },
    ],
    now,
  );
  const user = await db.user.findUnique({ where: { email } });
  const fail = (reason: string, outcome: "failure" | "denied" = "failure") => auditFailure(db, user?.id ?? null, attempt.ip, reason, outcome, now);

  if (!limit.allowed) {
    await fail("rate_limited", "denied");
    return { ok: false, reason: "rate_limited", retryAfterSeconds: limit.retryAfterSeconds };
  }
  if (!user) {
    await verifyDummyPassword(password);
    await fail("unknown_account");
    return { ok: false, reason: "invalid_credentials" };
  }
  if (!(await verifyPassword(user.passwordHash, password))) {
    await fail("wrong_password");
    return { ok: false, reason: "invalid_credentials" };
  }
  // Told only to someone who knows the password: it reveals nothing to a guesser.
  if (user.disabledAt) {
    await fail("account_disabled", "denied");
    return { ok: false, reason: "account_disabled" };
  }
  const newHash = needsRehash(user.passwordHash) ? await hashPassword(password) : null;
  await writeTransaction(db, async (tx) => {
    await resetRateLimit(tx, keys.perAccountAndAddress);
    await resetRateLimit(tx, keys.perAccount);
    if (newHash) await tx.user.update({ where: { id: user.id }, data: { passwordHash: newHash } });
    await appendAudit(
      tx,
      { type: "signin.succeeded", outcome: "success", actorType: "user", actorId: user.id, subjectUserId: user.id, details: addressDetails(attempt.ip) },
      now,
    );
  });
  return { ok: true, user: toPublicUser(user) };
}

// Invalid input still counts against a bucket (named by what was typed), so garbage emails
// cannot be used to probe without limit.
function signInKeyEmail(input: unknown): string {
  const parsed = EmailSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  return typeof input === "string" ? input.trim().toLowerCase().slice(0, 254) : "";
}

function bucketKeys(email: string, ip: string | null) {
  return { perAccountAndAddress: `signin:${email}|${ip ?? "unknown"}`, perAccount: `signin:${email}` };
}

function addressDetails(ip: string | null): Record<string, unknown> {
  return ip ? { ip } : {};
}

async function auditFailure(db: Db, userId: string | null, ip: string | null, reason: string, outcome: "failure" | "denied", now: Date) {
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
        details: { ...addressDetails(ip), account_known: userId !== null },
      },
      now,
    ),
  );
}

