import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { testDatabases } from "../../tests/harness/databases";
import { DEFAULT_REQUEST_LIMITS } from "../config";
import { authenticate, createSignInLimits, rateLimitMessage } from "./authenticate";
import { hash } from "@node-rs/argon2";
import { ADMIN_CLI_ACTOR, createUser } from "./users";

const t0 = new Date("2026-11-22T10:00:00.000Z");
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const PASSWORD = "correct horse battery";

describe.each(testDatabases())("sign-in on $name", (target) => {
  let db: Db;
  const audits = (type: string) => db.auditEvent.findMany({ where: { type }, orderBy: { seq: "asc" } });
  beforeAll(async () => {
    db = await target.open();
    await createUser(db, { email: "dana@example.com", password: PASSWORD }, ADMIN_CLI_ACTOR);
  });
  afterAll(() => target.close());

  it("signs in with the right password, any email case, and audits success", async () => {
    const result = await authenticate(db, { email: "Dana@Example.com", password: PASSWORD, ip: "203.0.113.7" }, at(0));
    expect(result).toMatchObject({ ok: true, user: { email: "dana@example.com", role: "user" } });
    const [entry] = (await audits("signin.succeeded")).slice(-1);
    expect(entry).toMatchObject({ outcome: "success", actorType: "user", subjectUserId: (result as { user: { id: string } }).user.id });
    expect(JSON.parse(entry!.details)).toEqual({ ip: "203.0.113.7" });
  });

  it("answers a wrong password and an unknown account alike, and audits both without the password", async () => {
    const wrong = await authenticate(db, { email: "dana@example.com", password: "not the password", ip: "203.0.113.8" }, at(0));
    const unknown = await authenticate(db, { email: "nobody@example.com", password: "not the password", ip: "203.0.113.8" }, at(0));
    expect(wrong).toEqual({ ok: false, reason: "invalid_credentials" });
    expect(unknown).toEqual({ ok: false, reason: "invalid_credentials" });
    const failed = (await audits("signin.failed")).slice(-2);
    expect(failed.map((f) => f.reason)).toEqual(["wrong_password", "unknown_account"]);
    expect(failed[0]?.subjectUserId).not.toBeNull();
    expect(failed[1]?.subjectUserId).toBeNull();
    expect(failed.map((f) => f.details).join()).not.toContain("not the password");
  });

  const recorder = (overrides: Partial<typeof DEFAULT_REQUEST_LIMITS> = {}) => {
    const delays: number[] = [];
    const limits = createSignInLimits({ ...DEFAULT_REQUEST_LIMITS, ...overrides }, async (ms) => {
      delays.push(ms);
    });
    return { limits, delays };
  };

  it("checklist 111: 25 wrong passwords from 25 addresses do not lock the owner out; the right password signs in after a bounded delay", async () => {
    await createUser(db, { email: "erin@example.com", password: PASSWORD }, ADMIN_CLI_ACTOR);
    const { limits, delays } = recorder();
    for (let i = 0; i < 25; i++) {
      expect(await authenticate(db, { email: "erin@example.com", password: "guess " + i, ip: `192.0.2.${i}` }, at(i), limits)).toEqual({ ok: false, reason: "invalid_credentials" });
    }
    expect(await authenticate(db, { email: "erin@example.com", password: PASSWORD, ip: "198.51.100.200" }, at(30), limits)).toMatchObject({ ok: true });
    // The delay grows from the fourth attempt and stops at SIGNIN_MAX_DELAY_MS; the owner waited that long at most.
    expect(delays.slice(0, 4)).toEqual([250, 500, 1000, 2000]);
    expect(Math.max(...delays)).toBe(DEFAULT_REQUEST_LIMITS.signInMaxDelayMs);
    expect(delays).toHaveLength(25 + 1 - 3);
    // The success cleared the count: the next attempt waits no more.
    expect(await authenticate(db, { email: "erin@example.com", password: PASSWORD, ip: "198.51.100.200" }, at(31), limits)).toMatchObject({ ok: true });
    expect(delays).toHaveLength(23);
  });

  it("checklist 111: from the attacker's own address the owner waits only for that address's budget to refill, seconds not minutes", async () => {
    await createUser(db, { email: "fay@example.com", password: PASSWORD }, ADMIN_CLI_ACTOR);
    const { limits } = recorder();
    const ip = "192.0.2.77";
    const perMinute = DEFAULT_REQUEST_LIMITS.signInAttemptsPerAddressPerMinute;
    for (let i = 0; i < perMinute; i++) await authenticate(db, { email: "fay@example.com", password: "guess", ip }, at(0), limits);
    const refused = await authenticate(db, { email: "fay@example.com", password: PASSWORD, ip }, at(0), limits);
    expect(refused).toEqual({ ok: false, reason: "rate_limited", retryAfterSeconds: 60 / perMinute });
    expect(rateLimitMessage(60 / perMinute)).toBe("Too many failed sign-ins. Try again in 1 minute.");
    expect(await authenticate(db, { email: "fay@example.com", password: PASSWORD, ip }, at(60 / perMinute), limits)).toMatchObject({ ok: true });
  });

  it("checklist 112: a spray across many emails from one address is refused before any account is counted or password hashed", async () => {
    const { limits } = recorder();
    const ip = "203.0.113.99";
    const results = [];
    for (let i = 0; i < 30; i++) results.push(await authenticate(db, { email: `spray${i}@example.com`, password: "guess", ip }, at(0), limits));
    const perMinute = DEFAULT_REQUEST_LIMITS.signInAttemptsPerAddressPerMinute;
    expect(results.filter((r) => !r.ok && r.reason === "rate_limited")).toHaveLength(30 - perMinute);
    // Only the admitted attempts reached the account step (and so Argon2, which comes after it).
    expect(await db.rateLimitBucket.count({ where: { key: { startsWith: "signin:spray" } } })).toBe(perMinute);
  });

  it("checklist 112: the global budget caps Argon2 checks per second across all addresses, for about a second", async () => {
    const { limits } = recorder({ signInAttemptsPerSecond: 5 });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => authenticate(db, { email: `wide${i}@example.com`, password: "guess", ip: `198.51.100.${i}` }, at(0), limits)),
    );
    expect(results.filter((r) => !r.ok && r.reason === "rate_limited")).toEqual(Array(3).fill({ ok: false, reason: "rate_limited", retryAfterSeconds: 1 }));
    expect(await authenticate(db, { email: "wide9@example.com", password: "guess", ip: "198.51.100.9" }, at(1), limits)).toEqual({ ok: false, reason: "invalid_credentials" });
  });

  it("checklist 113: failures are audited as one entry at the 1st, 2nd, 4th, 8th... attempt per account or address, with the count", async () => {
    const user = await createUser(db, { email: "gus@example.com", password: PASSWORD }, ADMIN_CLI_ACTOR);
    const { limits } = recorder();
    for (let i = 0; i < 40; i++) await authenticate(db, { email: "gus@example.com", password: "guess", ip: `192.0.2.${100 + i}` }, at(i), limits);
    const forGus = (await audits("signin.failed")).filter((e) => e.subjectUserId === user.id);
    expect(forGus.map((e) => JSON.parse(e.details).attempts_in_window)).toEqual([1, 2, 4, 8, 16, 32]);
    expect(forGus.every((e) => e.reason === "wrong_password")).toBe(true);

    const ip = "203.0.113.123";
    const before = (await audits("signin.failed")).length;
    for (let i = 0; i < 30; i++) await authenticate(db, { email: `nobody${i}@example.com`, password: "guess", ip }, at(0), limits);
    const fromIp = (await audits("signin.failed")).slice(before);
    const counts = (reason: string) => fromIp.filter((e) => e.reason === reason).map((e) => JSON.parse(e.details).attempts_in_window);
    expect(counts("unknown_account")).toEqual([1, 2, 4, 8]);
    expect(counts("rate_limited")).toEqual([1, 2, 4, 8, 16]);
    expect(fromIp.every((e) => JSON.parse(e.details).ip === ip)).toBe(true);
  });

  it("counts a burst of parallel guesses before checking any of them: each waits progressively longer", async () => {
    await createUser(db, { email: "hugo@example.com", password: PASSWORD }, ADMIN_CLI_ACTOR);
    const { limits, delays } = recorder();
    const burst = await Promise.all(
      Array.from({ length: 8 }, (_, i) => authenticate(db, { email: "hugo@example.com", password: "guess", ip: `192.0.2.${200 + i}` }, at(0), limits)),
    );
    expect(burst.every((r) => !r.ok && r.reason === "invalid_credentials")).toBe(true);
    expect([...delays].sort((a, b) => a - b)).toEqual([250, 500, 1000, 2000, 2000]);
  });

  it("refuses a disabled account, telling only someone who knows the password", async () => {
    const user = await createUser(db, { email: "hal@example.com", password: PASSWORD }, ADMIN_CLI_ACTOR);
    await db.user.update({ where: { id: user.id }, data: { disabledAt: at(0) } });
    expect(await authenticate(db, { email: "hal@example.com", password: "guess", ip: null }, at(1))).toEqual({ ok: false, reason: "invalid_credentials" });
    expect(await authenticate(db, { email: "hal@example.com", password: PASSWORD, ip: null }, at(1))).toEqual({ ok: false, reason: "account_disabled" });
  });

  it("upgrades a hash made with weaker parameters on the next successful sign-in", async () => {
    const user = await createUser(db, { email: "ivy@example.com", password: PASSWORD }, ADMIN_CLI_ACTOR);
    await db.user.update({ where: { id: user.id }, data: { passwordHash: await hash(PASSWORD, { memoryCost: 4096, timeCost: 1 }) } });
    expect(await authenticate(db, { email: "ivy@example.com", password: PASSWORD, ip: null }, at(0))).toMatchObject({ ok: true });
    const row = await db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.passwordHash).toMatch(/m=19456,t=2,p=1/);
  });

  it("treats garbage input as a failed attempt, never as an error", async () => {
    const result = await authenticate(db, { email: 42 as never, password: undefined as never, ip: null }, at(0));
    expect(result).toEqual({ ok: false, reason: "invalid_credentials" });
  });
});

describe("rate limit message", () => {
  it("rounds up to whole minutes and says minute for one", () => {
    expect(rateLimitMessage(30)).toBe("Too many failed sign-ins. Try again in 1 minute.");
    expect(rateLimitMessage(61)).toBe("Too many failed sign-ins. Try again in 2 minutes.");
  });
});
