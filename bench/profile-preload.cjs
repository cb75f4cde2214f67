// CPU profiles of processes the launcher starts (docs/benchmarks.md, "Profiles"). `--cpu-prof`
// is refused inside NODE_OPTIONS, so bench/compare.ts preloads this file with
// NODE_OPTIONS=--require when BENCH_PROFILE_DIR is set. It profiles only the processes whose
// command line contains BENCH_PROFILE_MATCH (default "web-server"), starts profiling on
// SIGUSR2 (so set-up is left out) and writes <dir>/<pid>-<n>.cpuprofile on the next SIGUSR2 or at
// exit. An in-thread inspector session answers synchronously, so an exit handler can write it.
"use strict";
const dir = process.env.BENCH_PROFILE_DIR;
const match = process.env.BENCH_PROFILE_MATCH || "web-server";
if (dir && process.argv.join(" ").includes(match)) {
  const fs = require("node:fs");
  const path = require("node:path");
  const inspector = require("node:inspector");
  const session = new inspector.Session();
  session.connect();
  let running = false;
  let written = 0;
  const stop = () => {
    if (!running) return;
    running = false;
    session.post("Profiler.stop", (err, result) => {
      if (err) return;
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `${process.pid}-${++written}.cpuprofile`), JSON.stringify(result.profile));
    });
  };
  process.on("SIGUSR2", () => {
    if (running) return stop();
    session.post("Profiler.enable", () => session.post("Profiler.start", () => (running = true)));
  });
  process.on("exit", stop);
}
