// Small measuring helpers shared by the benchmarks: sequential operations, wall time,
// throughput and latency percentiles.
import os from "node:os";

export interface Row {
  name: string;
  ops: number;
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export async function measure(name: string, count: number, op: () => Promise<unknown>): Promise<Row> {
  for (let i = 0; i < Math.min(50, count); i++) await op(); // warm-up
  const times = new Float64Array(count);
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await op();
    times[i] = performance.now() - t0;
  }
  const total = performance.now() - started;
  times.sort();
  return { name, ops: count, opsPerSecond: (count / total) * 1000, p50Ms: times[Math.floor(count * 0.5)] ?? NaN, p99Ms: times[Math.floor(count * 0.99)] ?? NaN };
}

export function machine(): string {
  return `${os.cpus()[0]?.model ?? "unknown CPU"}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

export function printTable(title: string, rows: Row[]): void {
  console.log(`\n${title} (${machine()})`);
  console.log("| operation | ops | ops/s | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|");
  for (const r of rows) {
    console.log(`| ${r.name} | ${r.ops} | ${Math.round(r.opsPerSecond).toLocaleString("en-US")} | ${r.p50Ms.toFixed(3)} | ${r.p99Ms.toFixed(3)} |`);
  }
}
