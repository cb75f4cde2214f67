// Summarises .cpuprofile files written by bench/profile-preload.cjs: self time by function
// and by package (node_modules/<name>, the project's own folders, Node internals), so a
// before/after comparison fits in a few lines. Usage: tsx bench/profile-summary.ts <file>... [--top N]
import { readFileSync } from "node:fs";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const topIndex = args.indexOf("--top");
const top = topIndex >= 0 ? Number(args[topIndex + 1]) : 25;
const files = args.filter((a, i) => !a.startsWith("--") && (topIndex < 0 || i !== topIndex + 1));

function bucketOf(url: string, fn: string): string {
  if (!url) return fn.startsWith("(") ? fn : "(native)";
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (nm) return nm;
  if (url.startsWith("node:")) return "node:internals";
  if (url.includes("profile-preload")) return "(profiler)";
  // Next.js bundles the project and some packages into chunks named after their paths.
  const chunk = /\/\.next[^/]*\/server\/chunks\/(?:ssr\/)?([^/]+)$/.exec(url)?.[1];
  if (chunk) {
    const pkg = /node_modules_((?:@[a-z0-9-]+_)?[a-z0-9-]+)/.exec(chunk)?.[1];
    return pkg ? `${pkg} (bundled)` : /^(lib|app)_/.test(chunk) ? `${chunk.slice(0, 3)} (bundled)` : "next (bundled)";
  }
  const own = /\/(lib|app|scripts|mcp-server|\.next[^/]*)\//.exec(url)?.[1];
  return own ?? url;
}

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const idle = [...selfUs].filter(([id]) => byId.get(id)?.callFrame.functionName === "(idle)").reduce((a, [, us]) => a + us, 0);
  const busy = total - idle;
  const byFn = new Map<string, number>();
  const byBucket = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === "(idle)") continue;
    const short = url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*?\/(lib|app|scripts|mcp-server)\//, "$1/");
    const key = `${functionName || "(anonymous)"} ${short}:${lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + us);
    const bucket = bucketOf(url, functionName);
    byBucket.set(bucket, (byBucket.get(bucket) ?? 0) + us);
  }
  // Inclusive time: a sample counts for every package and every project function on its stack.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stackKeys = new Map<number, Set<string>>();
  const keysOf = (id: number): Set<string> => {
    const known = stackKeys.get(id);
    if (known) return known;
    const up = parent.get(id);
    const keys = new Set(up === undefined ? [] : keysOf(up));
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    keys.add(`pkg ${bucketOf(url, functionName)}`);
    if (/\/(lib|scripts|mcp-server)\//.test(url) && !url.includes("node_modules")) keys.add(`fn ${functionName || "(anonymous)"} ${url.replace(/^.*?\/(lib|scripts|mcp-server)\//, "$1/")}:${lineNumber + 1}`);
    stackKeys.set(id, keys);
    return keys;
  };
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    if (byId.get(id)?.callFrame.functionName === "(idle)") continue;
    for (const k of keysOf(id)) inclusive.set(k, (inclusive.get(k) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1)}%`;
  console.log("inclusive time by package (share of busy; stacks overlap):");
  for (const [k, us] of [...inclusive].filter(([k]) => k.startsWith("pkg ")).sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us).padStart(6)}  ${k.slice(4)}`);
  console.log("inclusive time by project function:");
  for (const [k, us] of [...inclusive].filter(([k]) => k.startsWith("fn ")).sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us).padStart(6)}  ${k.slice(3)}`);
  console.log(`\n${file}: ${(total / 1e6).toFixed(1)} s sampled, busy ${(busy / 1e6).toFixed(2)} s`);
  console.log("self time by package (share of busy):");
  for (const [k, us] of [...byBucket].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us).padStart(6)}  ${k}`);
  console.log("self time by function:");
  for (const [k, us] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us).padStart(6)}  ${k}`);
}
