// A writer that runs on a worker thread of its own, with its own connection to the same
// database. Why: on SQLite, better-sqlite3 executes every statement synchronously on the
// calling thread, and Prisma's interactive transactions add their own bookkeeping around each
// statement. Under token load the issuance batches (lib/oauth/tokens/issuance-writer.ts) took
// about a third of the web app's event loop (docs/benchmarks.md), time in which no request was
// parsed, authenticated or signed. On a thread of their own they run on another core, and the
// event loop only posts items and reads answers.
//
// One side of this file runs in each thread:
// - the main thread's WriteThread starts the worker (entry: a module that calls
//   serveWriteThread), posts it the items submitted in one turn of the event loop as one
//   message, and settles each item's promise from the worker's answer;
// - the worker's serveWriteThread opens its own database client and hands each item to the
//   writer it was given (a group commit, lib/db/group-commit.ts), answering once it is settled.
//
// Guarantees are the wrapped writer's: submit resolves only once the worker's writer has
// committed the item, and rejects with that writer's error (its message and code carried
// over, so a lock timeout is still recognisable, lib/db/busy.ts). If the worker dies, every
// item in flight is rejected, as with a database connection lost mid-commit (the caller
// answers an error, never a success for something unknown), and the next submit starts a new
// worker.
import { parentPort, Worker, workerData } from "node:worker_threads";
import { createDb, urlOf, type Db } from "./client";
import type { GroupCommit } from "./group-commit";

/** What the worker answers for one item: its id, and the error when it was not stored. */
type Answer = [id: number, error?: { message: string; code?: string }];

interface Pending {
  resolve: () => void;
  reject: (err: Error) => void;
}

interface ThreadData {
  entry: string;
  databaseUrl: string;
}

// The project runs its TypeScript through tsx (`npm start`); the worker starts from a plain
// module that loads the entry through tsx (./write-thread-boot.mjs).
const BOOTSTRAP = new URL("./write-thread-boot.mjs", import.meta.url);

const CLOSE_TIMEOUT_MS = 5_000;

export class WriteThread<I> {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private outbox: [id: number, item: I][] = [];
  private nextId = 1;
  private scheduled = false;
  private closed = false;
  private drained: (() => void) | undefined;

  /** entry: the module that calls serveWriteThread; databaseUrl: the database it writes to. */
  constructor(
    private readonly entry: URL,
    private readonly databaseUrl: string,
  ) {}

  /** Resolves once the item is committed; rejects with the writer's error, or when the worker died first. */
  submit(item: I): Promise<void> {
    if (this.closed) return Promise.reject(new Error("write thread: closed"));
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.outbox.push([id, item]);
      if (this.scheduled) return;
      this.scheduled = true;
      // Items submitted in the same turn of the event loop travel in one message.
      setImmediate(() => this.post());
    });
  }

  /** Starts the worker ahead of the first item (it takes a moment to load); an idle worker keeps no process alive. */
  warm(): void {
    if (!this.closed) this.start();
  }

  /** Items submitted and not yet answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Waits for the items in flight, then stops the worker (its connection closed). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.pending.size > 0) await new Promise<void>((r) => (this.drained = r));
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((r) => worker.once("exit", () => r()));
    worker.postMessage("close");
    // A connection that will not close must not hold up the process's shutdown.
    const timer = setTimeout(() => void worker.terminate(), CLOSE_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  /** Stops the worker at once, as a crash would (tests). */
  async kill(): Promise<void> {
    await this.worker?.terminate();
  }

  private settle(id: number, error?: Error): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (error) p.reject(error);
    else p.resolve();
    if (this.pending.size > 0) return;
    // An idle worker does not keep the process alive; one with items in flight does.
    this.worker?.unref();
    this.drained?.();
    this.drained = undefined;
  }

  private post(): void {
    this.scheduled = false;
    const batch = this.outbox;
    this.outbox = [];
    if (batch.length === 0) return;
    let worker: Worker;
    try {
      worker = this.start();
    } catch (err) {
      for (const [id] of batch) this.settle(id, err instanceof Error ? err : new Error(String(err)));
      return;
    }
    worker.ref();
    worker.postMessage(batch);
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const data: ThreadData = { entry: this.entry.href, databaseUrl: this.databaseUrl };
    const worker = new Worker(BOOTSTRAP, { workerData: data });
    worker.on("message", (answers: Answer[]) => {
      for (const [id, error] of answers) this.settle(id, error ? Object.assign(new Error(error.message), error.code ? { code: error.code } : {}) : undefined);
    });
    const failAll = (why: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const id of [...this.pending.keys()]) this.settle(id, why);
    };
    worker.on("error", (err) => failAll(new Error(`write thread failed: ${err.message}`)));
    worker.on("exit", (code) => failAll(new Error(`write thread exited (code ${code})`)));
    worker.unref();
    this.worker = worker;
    return worker;
  }
}

export interface RunningWriteThread<I> {
  thread: WriteThread<I>;
  /** Hands the writer back to this thread, waits for the items in flight and stops the worker. */
  stop(): Promise<void>;
}

/**
 * Moves `writer` (a group-commit writer of `db`) onto a worker thread whose entry module serves
 * the same writer (serveWriteThread): from now on its submit() posts items there.
 */
export function startWriteThread<I>(db: Db, writer: GroupCommit<I>, entry: URL): RunningWriteThread<I> {
  const url = urlOf(db);
  if (!url) throw new Error("startWriteThread: a database client made by createDb is needed");
  const thread = new WriteThread<I>(entry, url);
  writer.sendTo((item) => thread.submit(item));
  thread.warm();
  return {
    thread,
    stop: async () => {
      writer.sendTo(undefined);
      await thread.close();
    },
  };
}

/**
 * The worker's side: opens the database named by the main thread and writes every item it is
 * sent with `write` (resolving once committed), answering each item as soon as it is settled.
 * Answers settled in the same turn travel in one message.
 */
export function serveWriteThread<I>(write: (db: Db, item: I) => Promise<void>): void {
  const port = parentPort;
  if (!port) throw new Error("serveWriteThread: not on a worker thread");
  const { databaseUrl } = workerData as ThreadData;
  const db = createDb(databaseUrl);
  const answers: Answer[] = [];
  const answer = (a: Answer) => {
    if (answers.length === 0) setImmediate(() => port.postMessage(answers.splice(0)));
    answers.push(a);
  };
  port.on("message", (message: [number, I][] | "close") => {
    if (message === "close") {
      void db.$disconnect().finally(() => port.close());
      return;
    }
    for (const [id, item] of message) {
      write(db, item).then(
        () => answer([id]),
        (err: unknown) => {
          const e = err as { message?: unknown; code?: unknown };
          answer([id, { message: typeof e?.message === "string" ? e.message : String(err), ...(typeof e?.code === "string" ? { code: e.code } : {}) }]);
        },
      );
    }
  });
}
