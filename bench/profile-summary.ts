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
const files = args.filter((a, i) => !a.startsWith("--") && i !== topIndex + 1);

function bucketOf(url: string, fn: string): string {
  if (!url) return fn.startsWith("(") ? fn : "(native)";
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  if (url.startsWith("node:")) return "node:internals";
  const own = /\/(lib|app|scripts|mcp-server|\.next[^/]*)\//.exec(url);
  return own ? own[1] : url;
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
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1)}%`;
  console.log(`\n${file}: ${(total / 1e6).toFixed(1)} s sampled, busy ${(busy / 1e6).toFixed(2)} s`);
  console.log("self time by package (share of busy):");
  for (const [k, us] of [...byBucket].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us).padStart(6)}  ${k}`);
  console.log("self time by function:");
  for (const [k, us] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us).padStart(6)}  ${k}`);
}
