// Playwright's webServer command for one stack: a fresh data directory and database, then
// the same launcher a newcomer runs with `npm start`.
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import pg from "pg";
import { e2eStacks } from "./stacks";

const name = process.argv[2];
const stack = e2eStacks().find((s) => s.name === name);
if (!stack) throw new Error(`unknown stack ${name}`);

rmSync(stack.env.DATA_DIR, { recursive: true, force: true });
if (stack.name === "postgresql") {
  const target = new URL(stack.env.DATABASE_URL);
  const dbName = target.pathname.slice(1);
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
}

const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
  env: { ...process.env, ...stack.env },
  stdio: "inherit",
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
child.on("exit", (code) => process.exit(code ?? 1));
