import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@/lib/db/client";
import { loadConfig } from "@/lib/config";
import { testDatabases } from "@/tests/harness/databases";
import { revokeAccount } from "@/lib/auth/account-revocation";
import { CLIENT_ADDRESS_HEADER } from "@/lib/auth/client-ip";
import { authorizeCredentials, buildAuthOptions, refreshSessionToken, SessionVoidError } from "./options";
import { ADMIN_CLI_ACTOR, createUser, setRole } from "@/lib/auth/users";

const PASSWORD = "correct horse battery";

describe.each(testDatabases())("next-auth credentials and session checks on $name", (target) => {
  let db: Db;
  // Two sign-in attempts per address per minute, so the rate-limited path is quick to reach.
  const config = loadConfig({ APP_ENV: "test", DATA_DIR: "tmp/test-data", SIGNIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: "2" });
  const deps = () => ({ db, now: () => new Date(), config });
  beforeAll(async () => {
    db = await target.open();
    await createUser(db, { email: "nina@example.com", password: PASSWORD }, ADMIN_CLI_ACTOR);
  });
  afterAll(() => target.close());

  it("returns the user with role and session version for the right password", async () => {
    const user = await authorizeCredentials({ email: "nina@example.com", password: PASSWORD }, { [CLIENT_ADDRESS_HEADER]: "203.0.113.5" }, deps());
    expect(user).toMatchObject({ email: "nina@example.com", role: "user", sessionVersion: 0 });
    expect(user).not.toHaveProperty("passwordHash");
  });

  it("returns null for a wrong password (next-auth's CredentialsSignin), and a short code when rate-limited", async () => {
    const headers = { [CLIENT_ADDRESS_HEADER]: "203.0.113.6" };
    expect(await authorizeCredentials({ email: "nina@example.com", password: "nope" }, headers, deps())).toBeNull();
    expect(await authorizeCredentials({ email: "nina@example.com", password: "nope" }, headers, deps())).toBeNull();
    await expect(authorizeCredentials({ email: "nina@example.com", password: PASSWORD }, headers, deps())).rejects.toThrow(/^RateLimited_\d+$/);
  });

  it("keeps a live session, with the role read fresh from the database", async () => {
    const user = (await db.user.findUniqueOrThrow({ where: { email: "nina@example.com" } }))!;
    await setRole(db, "nina@example.com", "auditor", ADMIN_CLI_ACTOR);
    const token = await refreshSessionToken({ sub: user.id, email: user.email, role: "user", sv: 0 }, { db });
    expect(token).toMatchObject({ sub: user.id, role: "auditor", sv: 0 });
  });

  it("voids a session once the account is revoked, and one without a version", async () => {
    const user = (await db.user.findUniqueOrThrow({ where: { email: "nina@example.com" } }))!;
    await revokeAccount(db, "nina@example.com", ADMIN_CLI_ACTOR);
    await expect(refreshSessionToken({ sub: user.id, sv: 0 }, { db })).rejects.toBeInstanceOf(SessionVoidError);
    // Even with the new version: the account is disabled.
    await expect(refreshSessionToken({ sub: user.id, sv: 1 }, { db })).rejects.toBeInstanceOf(SessionVoidError);
    await expect(refreshSessionToken({ sub: user.id }, { db })).rejects.toBeInstanceOf(SessionVoidError);
    await expect(refreshSessionToken({ sub: "no-such-user", sv: 0 }, { db })).rejects.toBeInstanceOf(SessionVoidError);
  });
});

describe("next-auth options", () => {
  const options = (issuer: string) =>
    buildAuthOptions({ db: undefined as never, now: () => new Date(), config: loadConfig({ APP_ENV: "test", DATA_DIR: "tmp/test-data", ISSUER_URL: issuer }) });

  it("uses Secure, prefixed cookies exactly when the issuer is https", () => {
    expect(options("https://auth.example.com").useSecureCookies).toBe(true);
    expect(options("http://localhost:3000").useSecureCookies).toBe(false);
  });

  it("uses our sign-in page, JWT sessions and the configured secret", () => {
    const o = options("http://localhost:3000");
    expect(o.pages).toEqual({ signIn: "/signin", error: "/signin" });
    expect(o.session?.strategy).toBe("jwt");
    expect(o.secret).toHaveLength(43);
  });

  it("redirects only within the issuer's origin", async () => {
    const redirect = options("http://localhost:3000").callbacks!.redirect!;
    const baseUrl = "http://localhost:3000";
    expect(await redirect({ url: "/grants", baseUrl })).toBe("http://localhost:3000/grants");
    expect(await redirect({ url: "https://evil.example/", baseUrl })).toBe("http://localhost:3000/");
  });
});
