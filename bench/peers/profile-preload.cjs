// Preloaded into a process under measurement (NODE_OPTIONS=--require, see
// /work/shared/notes/toolchain-offline.md: --cpu-prof is refused there). Counts SQL statements
// executed (better-sqlite3 statements, node-postgres queries) and records a CPU profile.
// SIGUSR2 starts a measurement (counters reset, profiler on); the next SIGUSR2 stops it and
// writes <PROFILE_OUT>.cpuprofile and <PROFILE_OUT>.json ({ statements }).
"use strict";
const inspector = require("node:inspector");
const fs = require("node:fs");
const path = require("node:path");

const counts = { statements: 0 };
const resolveHere = (name) => require.resolve(name, { paths: [process.cwd()] });
try {
  const Database = require(resolveHere("better-sqlite3"));
  const probe = new Database(":memory:");
  const proto = Object.getPrototypeOf(probe.prepare("SELECT 1"));
  probe.close();
  for (const m of ["run", "all", "get", "iterate"]) {
    const original = proto[m];
    proto[m] = function (...args) {
      counts.statements++;
      return original.apply(this, args);
    };
  }
} catch {}
try {
  const pg = require(resolveHere("pg"));
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (...args) {
    counts.statements++;
    return original.apply(this, args);
  };
} catch {}

const out = process.env.PROFILE_OUT;
let session = null;
process.on("SIGUSR2", () => {
  if (!out) return;
  if (!session) {
    session = new inspector.Session();
    session.connect();
    counts.statements = 0;
    session.post("Profiler.enable", () => session.post("Profiler.setSamplingInterval", { interval: 1000 }, () => session.post("Profiler.start")));
    return;
  }
  const s = session;
  session = null;
  const statements = counts.statements;
  s.post("Profiler.stop", (err, result) => {
    fs.mkdirSync(path.dirname(out), { recursive: true });
    if (!err) fs.writeFileSync(`${out}.cpuprofile`, JSON.stringify(result.profile));
    fs.writeFileSync(`${out}.json`, JSON.stringify({ statements }));
    s.disconnect();
  });
});
