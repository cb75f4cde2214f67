// Shared fixtures: which stack this project runs against, and helpers to make users and
// sign in through the real sign-in page.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { test as base, expect, type Page } from "@playwright/test";
import { ADMIN_CLI_ACTOR, createUser } from "@/lib/auth/users";
import { stackDb } from "./stack-db";
import type { Stack, StackEnv } from "./stacks";

const run = promisify(execFile);

export interface TestUser {
  id?: string;
  email: string;
  password: string;
  role: "user" | "auditor" | "admin";
}

interface Fixtures {
  mcpUrl: string;
  env: StackEnv;
  createUser: (options?: { role?: TestUser["role"]; email?: string }) => Promise<TestUser>;
  signIn: (page: Page, user: TestUser) => Promise<void>;
}

/** Runs the admin CLI against the stack's database, as an operator would. */
export async function adminCli(env: Record<string, string>, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "scripts/admin.ts", ...args], {
    env: { ...process.env, ...env },
  });
  return stdout;
}

export const test = base.extend<Fixtures, { stack: Stack }>({
  stack: [undefined as unknown as Stack, { option: true, scope: "worker" }],
  mcpUrl: async ({ stack }, use) => use(stack.mcpUrl),
  env: async ({ stack }, use) => use(stack.env),
  createUser: async ({ stack }, use) => {
    await use(async ({ role = "user", email } = {}) => {
      const user: TestUser = {
        email: email ?? `${role}-${randomUUID().slice(0, 8)}@example.com`,
        password: `pw-${randomUUID()}`,
        role,
      };
      const created = await createUser(stackDb(stack.env), user, ADMIN_CLI_ACTOR);
      return { ...user, id: created.id };
    });
  },
  signIn: async ({}, use) => {
    await use(async (page, user) => {
      await page.goto("/signin");
      await page.getByLabel("Email").fill(user.email);
      await page.getByLabel("Password").fill(user.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page).not.toHaveURL(/\/signin/);
    });
  },
});

export { expect };
