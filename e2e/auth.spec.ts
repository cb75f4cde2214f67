// Accounts and sessions, driven through the real sign-in pages and the real admin CLI.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { SIGNIN_ERROR } from "../lib/auth/messages";
import { test, expect, adminCli } from "./fixtures";

const run = promisify(execFile);
const freshEmail = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}@example.com`;

test("a visitor signs up, lands signed in on the home page, and can sign out", async ({ page }) => {
  const email = freshEmail("signup");
  await page.goto("/signup");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("a long enough password");
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page.getByRole("heading", { name: `Welcome, ${email}` })).toBeVisible();
  await expect(page.getByTestId("signed-in-as")).toContainText(email);

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("link", { name: "Sign in" }).first()).toBeVisible();
  await expect(page.getByTestId("signed-in-as")).toHaveCount(0);
  // The session is gone for the server too, not just hidden.
  await page.goto("/admin");
  await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Fadmin$/);
});

test("sign-up explains a taken email and a short password", async ({ page, createUser }) => {
  const existing = await createUser();
  await page.goto("/signup");
  await page.getByLabel("Email").fill(existing.email);
  await page.getByLabel("Password").fill("a long enough password");
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page.getByText("An account with this email already exists.")).toBeVisible();
  await page.getByLabel("Email").fill(freshEmail("short"));
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page.getByText("Use at least 10 characters for the password.")).toBeVisible();
  await expect(page).toHaveURL(/\/signup$/);
});

test("a user created with `npm run admin -- create-user` signs in through the browser", async ({ page, env }) => {
  const email = freshEmail("cli");
  const { stdout } = await run("npm", ["run", "-s", "admin", "--", "create-user", email, "cli user password", "--role", "auditor"], {
    env: { ...process.env, ...env },
  });
  expect(stdout).toContain(`Created ${email} with role auditor`);

  await page.goto("/signin");
  await page.getByLabel("Email").fill(email.toUpperCase());
  await page.getByLabel("Password").fill("cli user password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: `Welcome, ${email}` })).toBeVisible();
  await expect(page.getByTestId("signed-in-as")).toContainText("(auditor)");
  await expect(page.getByRole("link", { name: "Audit" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Admin" })).toHaveCount(0);
});

test("a wrong password shows a clear error and stays on the sign-in page", async ({ page, createUser }) => {
  const user = await createUser();
  await page.goto("/signin");
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Wrong email or password.")).toBeVisible();
  await expect(page).toHaveURL(/\/signin/);
  await expect(page.getByTestId("signed-in-as")).toHaveCount(0);
});

/** One guess as a fresh client with no cookies of its own: next-auth's CSRF handshake, then the
 * credentials POST the sign-in form makes; returns the error code next-auth carries back. */
async function guessOverHttp(baseURL: string, email: string, password: string): Promise<string | null> {
  const csrf = await fetch(`${baseURL}/api/auth/csrf`);
  const cookie = csrf.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const res = await fetch(`${baseURL}/api/auth/callback/credentials`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({ csrfToken, email, password, callbackUrl: `${baseURL}/`, json: "true" }),
    redirect: "manual",
  });
  const { url } = (await res.json()) as { url: string };
  return new URL(url).searchParams.get("error");
}

test("checklist 111: 25 wrong passwords from fresh clients do not lock the owner out; the right password signs in after a bounded delay", async ({ baseURL, page, createUser }) => {
  test.setTimeout(120_000);
  const user = await createUser();
  // Five fresh clients at a time, 25 guesses in all (the old lockout came at 20 per account). Each
  // is refused as a wrong password, never as a locked account or a rate limit.
  for (let round = 0; round < 5; round++) {
    const codes = await Promise.all([0, 1, 2, 3, 4].map((j) => guessOverHttp(baseURL!, user.email, `wrong password ${round * 5 + j}`)));
    expect(codes).toEqual(Array(5).fill(SIGNIN_ERROR.invalid));
  }
  // The owner, in a browser, with the right password.
  await page.goto("/signin");
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  const started = Date.now();
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("signed-in-as")).toBeVisible();
  console.log(`owner's sign-in after 25 wrong passwords took ${Date.now() - started} ms`);
});

test("the admin page refuses a plain user with 403 and shows admins the users and their roles", async ({ page, browser, baseURL, createUser, signIn }) => {
  const plain = await createUser({ role: "user" });
  await signIn(page, plain);
  await expect(page.getByRole("link", { name: "Admin" })).toHaveCount(0);
  const refused = await page.goto("/admin");
  expect(refused?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "You do not have access to this page" })).toBeVisible();
  await expect(page.getByRole("table")).toHaveCount(0);

  const adminPage = await (await browser.newContext({ baseURL })).newPage();
  const admin = await createUser({ role: "admin" });
  await signIn(adminPage, admin);
  await adminPage.getByRole("link", { name: "Admin" }).click();
  await expect(adminPage.getByRole("heading", { name: "Users" })).toBeVisible();
  await expect(adminPage.getByRole("row").filter({ hasText: plain.email })).toContainText("user");
  await expect(adminPage.getByRole("row").filter({ hasText: admin.email })).toContainText("admin");
  await adminPage.context().close();
});

test("a signed-out visitor sent to sign-in returns to the page they asked for, never to another site", async ({ page, createUser }) => {
  const admin = await createUser({ role: "admin" });
  await page.goto("/admin");
  await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Fadmin$/);
  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Password").fill(admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/admin$/);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByTestId("signed-in-as")).toHaveCount(0);

  await page.goto("/signin?callbackUrl=https%3A%2F%2Fevil.example%2Fphish");
  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Password").fill(admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("signed-in-as")).toBeVisible();
  expect(new URL(page.url()).pathname).toBe("/");
});

test("the session cookie is HttpOnly and SameSite=Lax, and dies when an admin revokes the account", async ({ page, env, createUser, signIn }) => {
  const user = await createUser();
  await signIn(page, user);
  const session = (await page.context().cookies()).find((c) => c.name.endsWith("next-auth.session-token"));
  expect(session).toMatchObject({ httpOnly: true, sameSite: "Lax" });
  // Secure follows the issuer's scheme: plain http here, so the browser would drop a Secure cookie.
  expect(session?.secure).toBe(env.ISSUER_URL?.startsWith("https://") ?? false);

  expect(await adminCli(env, "revoke-account", user.email)).toContain(`Disabled ${user.email}`);
  // The home page left open stops showing the live list by itself (the stream re-checks the session).
  await expect(page.getByRole("status").filter({ hasText: "You are signed out" })).toBeVisible({ timeout: 5000 });
  await expect(page.getByTestId("pending-requests").getByText("No agent is waiting")).toHaveCount(0);
  await page.goto("/");
  await expect(page.getByTestId("signed-in-as")).toHaveCount(0);
  await page.goto("/signin");
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("This account has been disabled. Ask an administrator.")).toBeVisible();
});

test("a role change applies on the next page load, without signing in again", async ({ page, env, createUser, signIn }) => {
  const user = await createUser();
  await signIn(page, user);
  expect((await page.goto("/admin"))?.status()).toBe(403);
  await adminCli(env, "set-role", user.email, "admin");
  expect((await page.goto("/admin"))?.status()).toBe(200);
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
});

test("the web app answers liveness and readiness", async ({ request }) => {
  const live = await request.get("/api/health/live");
  expect(live.status()).toBe(200);
  expect(await live.json()).toEqual({ status: "ok" });
  const ready = await request.get("/api/health/ready");
  expect(ready.status()).toBe(200);
  const body = (await ready.json()) as { status: string; checks: unknown; leaders?: Record<string, { leader: boolean; holder: string | null }> };
  expect(body).toMatchObject({ status: "ok", checks: { database: "ok" } });
  // Readiness also says who leads each singleton task (docs/deployment.md); one instance leads them all.
  const offices = Object.values(body.leaders ?? {});
  expect(offices.length).toBeGreaterThan(0);
  expect(offices.every((office) => office.leader)).toBe(true);
});

test("the sign-in form never puts the password in the URL, even before its script has loaded", async ({ browser, baseURL }) => {
  const context = await browser.newContext({ baseURL, javaScriptEnabled: false });
  const page = await context.newPage();
  const res = await page.goto("/signin");
  expect(res?.headers()["x-frame-options"]).toBe("DENY");
  expect(res?.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
  await page.getByLabel("Email").fill("nojs@example.com");
  await page.getByLabel("Password").fill("secret-in-the-url?");
  await page.getByRole("button", { name: "Sign in" }).click();
  // The form was POSTed to next-auth, which (without its CSRF token) sends the visitor back here.
  await page.waitForURL(/\/signin\?callbackUrl=/);
  expect(page.url()).not.toContain("secret");
  expect(page.url()).not.toContain("nojs");
  await context.close();
});

test("an admin changes a role and revokes an account from the admin page; the revoked user is signed out", async ({ page, browser, baseURL, createUser, signIn }) => {
  const admin = await createUser({ role: "admin" });
  const target = await createUser();
  const targetPage = await (await browser.newContext({ baseURL })).newPage();
  await signIn(targetPage, target);

  await signIn(page, admin);
  await page.goto("/admin");
  const row = page.getByRole("row").filter({ hasText: target.email });
  await row.getByLabel(`Role for ${target.email}`).selectOption("auditor");
  await row.getByRole("button", { name: "Save role" }).click();
  await expect(page.getByRole("status")).toHaveText("Role changed.");
  await expect(page.getByRole("row").filter({ hasText: target.email })).toContainText("auditor");
  // The admin cannot lock themselves out from the browser.
  await expect(page.getByRole("row").filter({ hasText: admin.email })).toContainText("(you)");

  page.once("dialog", (dialog) => dialog.accept());
  await page.getByRole("row").filter({ hasText: target.email }).getByRole("button", { name: `Revoke account ${target.email}` }).click();
  await expect(page.getByRole("status")).toHaveText(/^Account revoked/);
  await expect(page.getByRole("row").filter({ hasText: target.email })).toContainText("disabled");

  await targetPage.goto("/");
  await expect(targetPage.getByTestId("signed-in-as")).toHaveCount(0);
  await targetPage.context().close();
});

test("before its script has run, Sign out is visibly disabled rather than a button that ignores the click", async ({ browser, baseURL, createUser, signIn }) => {
  const user = await createUser();
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await signIn(page, user);
  // The session cookie stays; only the page's scripts are held back, as on a slow connection.
  await page.route(/\/_next\/static\/.*\.js$/, (route) => route.abort());
  await page.reload();
  await expect(page.getByRole("heading", { name: `Welcome, ${user.email}` })).toBeVisible();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeDisabled();
  await page.unroute(/\/_next\/static\/.*\.js$/);
  await page.reload();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeEnabled();
  await context.close();
});
