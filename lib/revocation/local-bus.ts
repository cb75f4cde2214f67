// The local channel for revocations on SQLite, where the web app, the MCP server and the admin
// CLI are separate processes on one machine and PostgreSQL's LISTEN/NOTIFY is not available.
// Every process that caches grant status listens on a Unix socket in a directory of its own
// user (mode 0700), named after the database file, so processes sharing a database share a
// directory. A publisher writes one line to every socket there; a socket nobody answers is a
// dead process's and is removed.
import { createHash } from "node:crypto";
import { chmodSync, lstatSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

/** The directory for one SQLite database file; null when it is not safe to use (another user's). */
export function busDirectory(databaseFile: string, base = tmpdir()): string | null {
  const id = createHash("sha256").update(path.resolve(databaseFile)).digest("hex").slice(0, 16);
  const dir = path.join(base, `agent-grants-${id}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  // In a shared temp directory, someone else may have made it first: then it is not ours.
  if (!st.isDirectory() || (process.getuid && st.uid !== process.getuid())) return null;
  chmodSync(dir, 0o700);
  return dir;
}

/** Sends `line` to every listener in `dir`; resolves when each has taken it or is known dead. */
export async function publishLocal(dir: string, line: string): Promise<void> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith(".sock"));
  } catch {
    return;
  }
  await Promise.all(
    names.map(
      (name) =>
        new Promise<void>((resolve) => {
          const file = path.join(dir, name);
          const socket = connect(file);
          socket.setTimeout(1000);
          socket.once("connect", () => socket.end(`${line}\n`));
          socket.once("close", () => resolve());
          socket.once("timeout", () => socket.destroy());
          socket.once("error", (err: NodeJS.ErrnoException) => {
            if (err.code === "ECONNREFUSED" || err.code === "ENOENT") rmSync(file, { force: true });
            resolve();
          });
        }),
    ),
  );
}

/** Listens in `dir` until the returned function is called; each received line goes to `onLine`. */
export async function listenLocal(dir: string, onLine: (line: string) => void): Promise<() => Promise<void>> {
  const file = path.join(dir, `${process.pid}-${Math.random().toString(36).slice(2, 8)}.sock`);
  const server: Server = createServer((socket) => {
    let buffer = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      // One event per connection, and small: anything longer is not ours.
      if (buffer.length > 16_384) socket.destroy();
    });
    socket.on("end", () => {
      for (const line of buffer.split("\n")) if (line.trim()) onLine(line);
    });
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(file, () => resolve());
  });
  server.unref();
  return async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(file, { force: true });
  };
}
