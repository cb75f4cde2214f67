// The auditor console (docs/audit.md, "The console"). An auditor filters the trail, exports the filter and verifies
// the chain (and sees tampering named); a plain user is refused /audit and sees only their
// own activity.
import Database from "better-sqlite3";
import pg from "pg";
import { test, expect } from "./fixtures";
import type { StackEnv } from "./stacks";

/** Runs one statement against the stack's own database, as an attacker with access would. */
async function tamper(env: StackEnv, sql: string, params: unknown[]): Promise<void> {
  const url = env.DATABASE_URL;
  if (/^postgres/.test(url)) {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(sql.replace(/\?/g, (_, i) => `$${String(sql.slice(0, i).split("?").length)}`), params);
    } finally {
      await c.end();
    }
    return;
  }
  const db = new Database(url.replace(/^file:/, ""));
  try {
    db.pragma("busy_timeout = 10000");
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

test("an auditor filters the trail, exports the filter and verifies the chain", async ({ page, env, createUser, signIn }) => {
  const auditor = await createUser({ role: "auditor" });
  await signIn(page, auditor);
  await page.goto("/audit");
  await expect(page.getByRole("heading", { name: "Audit trail" })).toBeVisible();

  await page.getByLabel("Event type").selectOption("signin.succeeded");
  await page.getByLabel("Outcome").selectOption("success");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/type=signin.succeeded/);
  const rows = page.getByTestId("audit-entries").locator("tbody tr");
  await expect(rows.first()).toBeVisible();
  const types = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-type")));
  expect(new Set(types)).toEqual(new Set(["signin.succeeded"]));

  // The export link carries the same filter, and the file holds the same kind of entries.
  const href = await page.getByRole("link", { name: "JSONL" }).getAttribute("href");
  expect(href).toContain("type=signin.succeeded");
  const exported = await page.request.get(href!);
  expect(exported.status()).toBe(200);
  const lines = (await exported.text()).trim().split("\n").map((l) => JSON.parse(l) as { type: string; outcome: string });
  expect(lines.length).toBeGreaterThanOrEqual(types.length);
  expect(lines.every((l) => l.type === "signin.succeeded" && l.outcome === "success")).toBe(true);

  await page.getByRole("button", { name: "Verify chain" }).click();
  await expect(page.getByTestId("verify-result")).toContainText("Chain intact.", { timeout: 30_000 });

  // Tamper with the first entry's reason; the button names it; then put it back.
  const seq = 1;
  const original = await page.request.get(`/api/audit/export?format=jsonl`).then(async (r) => JSON.parse((await r.text()).split("\n")[0] ?? "") as { seq: number; reason: string | null });
  expect(original.seq).toBe(seq);
  try {
    await tamper(env, `UPDATE "AuditEvent" SET "reason" = ? WHERE "seq" = ?`, ["nothing happened here", seq]);
    await page.getByRole("button", { name: "Verify chain" }).click();
    await expect(page.getByTestId("verify-result")).toContainText(`Tampering found: modified at entry ${seq}.`, { timeout: 30_000 });
  } finally {
    await tamper(env, `UPDATE "AuditEvent" SET "reason" = ? WHERE "seq" = ?`, [original.reason, seq]);
  }
  await page.getByRole("button", { name: "Verify chain" }).click();
  await expect(page.getByTestId("verify-result")).toContainText("Chain intact.", { timeout: 30_000 });
});

test("a plain user is refused the console and the export, and sees their own activity", async ({ page, createUser, signIn }) => {
  const user = await createUser();
  await signIn(page, user);
  const res = await page.goto("/audit");
  expect(res?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "You do not have access to this page" })).toBeVisible();
  expect((await page.request.get("/api/audit/export?format=csv")).status()).toBe(403);

  await page.goto("/activity");
  await expect(page.getByRole("heading", { name: "Your activity" })).toBeVisible();
  const rows = page.getByTestId("audit-entries").locator("tbody tr");
  await expect(rows.filter({ hasText: "signin.succeeded" }).first()).toBeVisible();
});

test("a visitor who is not signed in is sent to sign in, and may read the published checkpoints", async ({ page }) => {
  await page.goto("/audit");
  await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Faudit/);
  expect((await page.request.get("/api/audit/export")).status()).toBe(401);
  const res = await page.request.get("/api/audit/checkpoints");
  expect(res.status()).toBe(200);
  const body = (await res.json()) as { key: { kty: string; crv: string; d?: string }; checkpoints: unknown[] };
  expect(body.key).toMatchObject({ kty: "EC", crv: "P-256" });
  expect(body.key.d).toBeUndefined();
  expect(Array.isArray(body.checkpoints)).toBe(true);
});

test("a grant id holding NUL or a lone surrogate is refused with a 4xx, never a server error (checklist 146)", async ({ page, createUser, signIn }) => {
  const auditor = await createUser({ role: "auditor" });
  await signIn(page, auditor);
  for (const id of ["%00", "abc%00def", "%ED%A0%80", "%E0%A4%A"]) {
    const res = await page.request.get(`/audit/grants/${id}`, { maxRedirects: 0 });
    expect(res.status(), id).toBeLessThan(500);
  }
  // The same for a path nobody routes: the web server refuses what cannot be decoded.
  expect((await page.request.get("/%ED%A0%80", { maxRedirects: 0 })).status()).toBe(400);
});
