import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { testDatabases } from "../../tests/harness/databases";
import { authenticate, rateLimitMessage } from "./authenticate";
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
    expect(JSON.parse(entry.details)).toEqual({ ip: "203.0.113.7" });
  });

  it("answers a wrong password and an unknown account alike, and audits both without the password", async () => {
    const wrong = await authenticate(db, { email: "dana@example.com", password: "not the password", ip: "203.0.113.8" }, at(0));
    const unknown = await authenticate(db, { email: "nobody@example.com", password: "not the password", ip: "203.0.113.8" }, at(0));
    expect(wrong).toEqual({ ok: false, reason: "invalid_credentials" });
    expect(unknown).toEqual({ ok: false, reason: "invalid_credentials" });
    const failed = (await audits("signin.failed")).slice(-2);
    expect(failed.map((f) => f.reason)).toEqual(["wrong_password", "unknown_account"]);
    expect(failed[0].subjectUserId).not.toBeNull();
    expect(failed[1].subjectUserId).toBeNull();
    expect(failed.map((f) => f.details).join()).not.toContain("not the password");
  });

  it("refuses the sixth attempt from one address within 15 minutes, even with the right password", async () => {
    const ip = "198.51.100.1";
    for (let i = 0; i < 5; i++) {
      expect(await authenticate(db, { email: "dana@example.com", password: "wrong guess " + i, ip }, at(i))).toMatchObject({ reason: "invalid_credentials" });
    }
    const blocked = await authenticate(db, { email: "dana@example.com", password: PASSWORD, ip }, at(10));
    expect(blocked).toEqual({ ok: false, reason: "rate_limited", retryAfterSeconds: 15 * 60 - 10 });
    expect(rateLimitMessage(15 * 60 - 10)).toBe("Too many failed sign-ins. Try again in 15 minutes.");
    const [entry] = (await audits("signin.failed")).slice(-1);
    expect(entry).toMatchObject({ outcome: "denied", reason: "rate_limited" });
    // Another address is not affected, and the window ends after 15 minutes.
    expect(await authenticate(db, { email: "dana@example.com", password: PASSWORD, ip: "198.51.100.2" }, at(11))).toMatchObject({ ok: true });
    expect(await authenticate(db, { email: "dana@example.com", password: PASSWORD, ip }, at(15 * 60))).toMatchObject({ ok: true });
  });

  it("limits one account across many addresses, and a success clears the failures", async () => {
    await createUser(db, { email: "erin@example.com", password: PASSWORD }, ADMIN_CLI_ACTOR);
    for (let i = 0; i < 20; i++) await authenticate(db, { email: "erin@example.com", password: "guess", ip: `192.0.2.${i}` }, at(0));
    expect(await authenticate(db, { email: "erin@example.com", password: PASSWORD, ip: "192.0.2.200" }, at(1))).toMatchObject({ reason: "rate_limited" });

    await createUser(db, { email: "fay@example.com", password: PASSWORD }, ADMIN_CLI_ACTOR);
    for (let i = 0; i < 4; i++) await authenticate(db, { email: "fay@example.com", password: "guess", ip: "192.0.2.1" }, at(0));
    expect(await authenticate(db, { email: "fay@example.com", password: PASSWORD, ip: "192.0.2.1" }, at(1))).toMatchObject({ ok: true });
    for (let i = 0; i < 4; i++) {
      expect(await authenticate(db, { email: "fay@example.com", password: "guess", ip: "192.0.2.1" }, at(2))).toMatchObject({ reason: "invalid_credentials" });
    }
  });

  it("counts a burst of parallel guesses before checking any of them", async () => {
    await createUser(db, { email: "gus@example.com", password: PASSWORD }, ADMIN_CLI_ACTOR);
    const burst = await Promise.all(
      Array.from({ length: 10 }, () => authenticate(db, { email: "gus@example.com", password: "guess", ip: "192.0.2.50" }, at(0))),
    );
    expect(burst.filter((r) => !r.ok && r.reason === "rate_limited")).toHaveLength(5);
    // The right password cannot be tried either once the burst has spent the window. (Not part of
    // the burst: a success resets the counters, so its place in a parallel race would decide the count.)
    expect(await authenticate(db, { email: "gus@example.com", password: PASSWORD, ip: "192.0.2.50" }, at(0))).toMatchObject({ ok: false, reason: "rate_limited" });
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
