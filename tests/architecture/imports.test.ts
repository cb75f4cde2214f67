// Imports flow one way (docs/architecture.md, "Layers"): no import cycles, no upward imports,
// lib/ never reaches into the processes built on it, and lib/contracts depends on zod alone.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { importCycles, readImportGraph } from "./import-graph";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * The modules of lib/, lowest first: a module may import itself and the modules before it,
 * never one after it. Keep in step with the table in docs/architecture.md.
 */
export const LIB_LAYERS: readonly string[] = [
  "lib/error-message",
  "lib/contracts",
  "lib/process-wide",
  "lib/http",
  "lib/config",
  "lib/db",
  "lib/leader",
  "lib/revocation",
  "lib/instance",
  "lib/rate-limit",
  "lib/memory-rate-limit",
  "lib/health",
  "lib/deps",
  "lib/authorization-details",
  "lib/audit",
  "lib/notifications",
  "lib/grants",
  "lib/pending",
  "lib/auth",
  "lib/oauth",
  "lib/resource-server",
  "lib/messaging",
  "lib/consent",
  "lib/admin",
  "lib/retention",
  "lib/bootstrap",
  "lib/background",
  "lib/machine-routes",
  "lib/mcp-ports",
];

/** The top-level part a file belongs to: a lib module (lib/x or lib/x.ts), or its first folder. */
function partOf(file: string): string {
  const [top, second] = file.split("/");
  if (top !== "lib" || second === undefined) return top ?? file;
  if (second === "generated") return "lib/generated";
  return `lib/${second.replace(/(\.test)?\.tsx?$/, "")}`;
}

/** Tests and their fixtures sit above every layer: they may import anything (a route file, the MCP server). */
function isTestCode(file: string): boolean {
  return /\.(test|spec)\.tsx?$/.test(file) || /(^|\/)(test-fixtures|test-stack)\.ts$/.test(file) || file.includes("/testing/");
}

const { graph, packages } = readImportGraph(ROOT);
const edges = [...graph].flatMap(([from, targets]) => targets.map((to) => ({ from, to })));

describe("the import graph", () => {
  it("reads the repository (a smoke check that the scan finds the code)", () => {
    expect(graph.size).toBeGreaterThan(300);
    expect(graph.get("lib/oauth/token/grants.ts")).toContain("lib/oauth/token/refresh.ts");
  });

  it("has no import cycle, type-only imports included", () => {
    expect(importCycles(graph)).toEqual([]);
  });

  it("has every lib/ module in the layer list", () => {
    const modules = new Set([...graph.keys()].filter((file) => file.startsWith("lib/")).map(partOf));
    modules.delete("lib/generated");
    expect([...modules].filter((module) => !LIB_LAYERS.includes(module)).sort()).toEqual([]);
  });

  it("has no upward import inside lib/", () => {
    const rank = (module: string) => (module === "lib/generated" ? -1 : LIB_LAYERS.indexOf(module));
    const upward = edges
      .filter(({ from, to }) => from.startsWith("lib/") && to.startsWith("lib/") && !isTestCode(from))
      .filter(({ from, to }) => partOf(from) !== partOf(to) && rank(partOf(to)) > rank(partOf(from)))
      .map(({ from, to }) => `${from} -> ${to}`);
    expect(upward).toEqual([]);
  });

  it("keeps lib/ free of the processes and tools built on it", () => {
    const outward = edges
      .filter(({ from, to }) => from.startsWith("lib/") && !to.startsWith("lib/") && !isTestCode(from))
      .map(({ from, to }) => `${from} -> ${to}`);
    expect(outward).toEqual([]);
  });

  it("keeps the web app and the MCP server apart (they share lib/, never each other's code)", () => {
    const across = edges
      .filter(({ from, to }) => (partOf(from) === "app" && partOf(to) === "mcp-server") || (partOf(from) === "mcp-server" && partOf(to) === "app"))
      .map(({ from, to }) => `${from} -> ${to}`);
    expect(across).toEqual([]);
  });

  it("keeps the MCP server off the database handle and the app container: it holds ports (lib/mcp-ports.ts)", () => {
    const reached = edges
      .filter(({ from, to }) => partOf(from) === "mcp-server" && !isTestCode(from) && ["lib/db", "lib/deps"].includes(partOf(to)))
      .map(({ from, to }) => `${from} -> ${to}`);
    expect(reached).toEqual([]);
  });

  it("keeps lib/ framework-free (no Next.js, next-auth or React: those belong in app/)", () => {
    const framework = /^(next|next-auth|react|react-dom)(\/|$)/;
    const found = [...packages]
      .filter(([file]) => file.startsWith("lib/"))
      .flatMap(([file, names]) => names.filter((name) => framework.test(name)).map((name) => `${file} -> ${name}`));
    expect(found).toEqual([]);
  });

  it("lets lib/contracts depend on zod alone", () => {
    const contractFiles = [...graph.keys()].filter((file) => file.startsWith("lib/contracts/"));
    const foreign = contractFiles.flatMap((file) => [
      ...(graph.get(file) ?? []).filter((to) => !to.startsWith("lib/contracts/")).map((to) => `${file} -> ${to}`),
      ...(packages.get(file) ?? []).filter((name) => name !== "zod" && !(isTestCode(file) && name === "vitest")).map((name) => `${file} -> ${name}`),
    ]);
    expect(foreign).toEqual([]);
  });
});
