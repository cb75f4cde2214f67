// `npm run bench`: every benchmark, one after another (they would disturb each other's timings).
import { spawnSync } from "node:child_process";

const suites = ["bench/tokens.ts", "bench/mcp.ts", "bench/audit.ts"];
for (const suite of suites) {
  console.log(`\n=== ${suite} ===`);
  const result = spawnSync(process.execPath, ["--import", "tsx", suite], { stdio: "inherit" });
  if (result.status !== 0) {
    console.error(`${suite} failed`);
    process.exit(result.status ?? 1);
  }
}
