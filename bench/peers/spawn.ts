// Starts one benchmark peer as its own process (so its CPU time can be read on its own, see
// bench/load.ts) and waits until it prints its ready line.
import { spawn, type ChildProcess } from "node:child_process";

export interface Peer {
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function spawnPeer(script: string, env: Record<string, string>, ready: RegExp, timeoutMs = 30_000): Promise<Peer> {
  const child = spawn(process.execPath, ["--import", "tsx", script], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} was not ready within ${timeoutMs / 1000} s`)), timeoutMs);
    let seen = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      if (seen === null) return;
      seen += chunk.toString();
      if (ready.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (code ${code}) before it was ready`));
    });
  });
  child.stdout!.resume();
  return {
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
