// Load generation for the side-by-side benchmark (bench/compare.ts): autocannon at a fixed
// concurrency and duration, and the CPU time the server processes spent meanwhile, read from
// /proc/<pid>/stat (utime + stime, proc(5)), so a figure is CPU per completed call, not wall time.
import { readFileSync } from "node:fs";
import autocannon from "autocannon";

export interface LoadSettings {
  connections: number;
  durationSeconds: number;
}

export interface Target {
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  /** Requests answered with a 2xx. */
  ok: number;
  /** Requests answered otherwise, or not at all (errors, timeouts). */
  failed: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU milliseconds per 2xx call, by process name. */
  cpuMsPerCall: Record<string, number>;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux (sysconf(_SC_CLK_TCK)); proc(5)

/** utime + stime of one process, in milliseconds. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may itself hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND; // fields 14 and 15 of proc(5)
}

/** Direct children of a process (Linux 3.5+). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export async function load(target: Target, settings: LoadSettings, processes: Record<string, number>): Promise<LoadResult> {
  const before = Object.entries(processes).map(([name, pid]) => ({ name, pid, cpu: cpuMs(pid) }));
  const result = await autocannon({
    url: target.url,
    method: target.method,
    headers: target.headers,
    body: target.body,
    connections: settings.connections,
    duration: settings.durationSeconds,
  });
  const ok = result["2xx"];
  const cpuMsPerCall = Object.fromEntries(before.map(({ name, pid, cpu }) => [name, (cpuMs(pid) - cpu) / Math.max(ok, 1)]));
  return {
    ok,
    failed: result.non2xx + result.errors + result.timeouts,
    requestsPerSecond: ok / settings.durationSeconds,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    cpuMsPerCall,
  };
}
