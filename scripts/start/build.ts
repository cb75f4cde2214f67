// Builds the web app when there is no build or the sources changed since the last one.
// A content hash of the inputs decides staleness; a lock directory makes concurrent
// launchers (several e2e stacks, say) build once and wait for each other.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const INPUTS = ["app", "lib", "components", "public", "instrumentation.ts", "proxy.ts", "middleware.ts", "next.config.ts", "package-lock.json", "prisma/schema.prisma"];
const SKIP = new Set(["node_modules", "generated", ".next"]);

function* files(entry: string): Generator<string> {
  if (!existsSync(entry)) return;
  const stat = statSync(entry);
  if (stat.isFile()) {
    if (!/\.test\.tsx?$/.test(entry)) yield entry;
    return;
  }
  for (const name of readdirSync(entry).sort()) if (!SKIP.has(name)) yield* files(path.join(entry, name));
}

export function sourceHash(): string {
  const hash = createHash("sha256");
  for (const input of INPUTS) for (const file of files(input)) hash.update(file).update("\0").update(readFileSync(file)).update("\0");
  // Only tsconfig's compiler options shape the build: `next build` itself rewrites its
  // `include` for each build folder, which must not make the next launcher rebuild.
  const tsconfig = JSON.parse(readFileSync("tsconfig.json", "utf8")) as { compilerOptions?: unknown };
  hash.update(JSON.stringify(tsconfig.compilerOptions ?? {}));
  return hash.digest("hex");
}

async function withLock<T>(lockDir: string, fn: () => T): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch {
      // A lock older than 15 minutes belongs to a build that died.
      if (existsSync(lockDir) && Date.now() - statSync(lockDir).mtimeMs > 15 * 60_000) rmSync(lockDir, { recursive: true, force: true });
      if (Date.now() - started > 20 * 60_000) throw new Error(`timed out waiting for another build (${lockDir})`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

export async function ensureFreshBuild(): Promise<void> {
  const distDir = process.env.NEXT_DIST_DIR ?? ".next";
  const stampFile = path.join(distDir, "agent-grants-source-hash");
  const isFresh = (hash: string) => existsSync(path.join(distDir, "BUILD_ID")) && existsSync(stampFile) && readFileSync(stampFile, "utf8") === hash;
  if (isFresh(sourceHash())) return;
  await withLock(`${distDir}.build-lock`, () => {
    const hash = sourceHash();
    if (isFresh(hash)) return; // another launcher built it while we waited
    console.log("Building the web app (the first start takes a minute or two)...");
    const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");
    const result = spawnSync(process.execPath, [nextBin, "build"], {
      stdio: "inherit",
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
    });
    if (result.status !== 0) throw new Error("the web app build failed (see the output above)");
    writeFileSync(stampFile, hash);
  });
}
