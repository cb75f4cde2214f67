// Leader election for singleton work (docs/deployment.md, "One leader for background work").
// Several instances run on one database, but some work must run in one place at a time: the
// audit checkpoint signer, the outbox reconciler, retention sweeps, refresh successor erasure.
// Each such task is a named office; a process campaigns for it and does the work only while it
// holds it. On PostgreSQL the office is a session-level advisory lock (advisory-lock.ts); on
// SQLite the deployment is one web app and one MCP server on one machine, and the web app owns
// every office.

export interface OfficeStatus {
  task: string;
  /** This process holds the office now. */
  leader: boolean;
  /** Who holds it, as far as this process knows (its INSTANCE_NAME), or null when nobody does. */
  holder: string | null;
}

/** Started when this process takes an office; the function it returns runs when it loses or gives it up. */
export type LeaderWork = () => (() => void | Promise<void>) | void;

export interface LeaderElection {
  /** Joins the election for `task` (idempotent). */
  campaign(task: string): void;
  isLeader(task: string): boolean;
  /** Runs `work` whenever this process takes the office `task`, and its stop function when it loses it. */
  runAsLeader(task: string, work: LeaderWork): () => Promise<void>;
  status(): OfficeStatus[];
  /** Gives up every office (after stopping the work) and closes the election's connection. */
  stop(): Promise<void>;
}

export type Log = (line: string) => void;

/**
 * Fixed offices: `owner` holds all of them, for the life of the process. The SQLite deployment
 * (one machine, one web app, one MCP server) makes the web app the owner.
 */
export class FixedElection implements LeaderElection {
  private readonly tasks = new Map<string, { stops: (() => void | Promise<void>)[] }>();
  private stopped = false;

  constructor(
    private readonly owner: boolean,
    private readonly name: string,
    private readonly ownerName: string,
    private readonly log: Log = console.log,
  ) {}

  campaign(task: string): void {
    if (this.tasks.has(task) || this.stopped) return;
    this.tasks.set(task, { stops: [] });
    this.log(this.owner ? `leader: ${this.name} leads "${task}" (SQLite: the ${this.ownerName} owns singleton work)` : `leader: "${task}" runs in the ${this.ownerName}, not here (SQLite)`);
  }

  isLeader(task: string): boolean {
    return this.owner && !this.stopped && this.tasks.has(task);
  }

  runAsLeader(task: string, work: LeaderWork): () => Promise<void> {
    this.campaign(task);
    if (!this.isLeader(task)) return async () => undefined;
    const stop = work();
    if (stop) this.tasks.get(task)!.stops.push(stop);
    return async () => {
      const list = this.tasks.get(task)?.stops ?? [];
      if (stop && list.includes(stop)) {
        list.splice(list.indexOf(stop), 1);
        await stop();
      }
    };
  }

  status(): OfficeStatus[] {
    return [...this.tasks.keys()].map((task) => ({ task, leader: this.isLeader(task), holder: this.owner ? this.name : `the ${this.ownerName}` }));
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const { stops } of this.tasks.values()) for (const stop of stops.splice(0)) await stop();
  }
}
