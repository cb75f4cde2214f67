// Leader election on PostgreSQL with session-level advisory locks. Each process keeps one
// dedicated connection (outside the Prisma pool) and tries `pg_try_advisory_lock` for every
// office it campaigns for; the lock is held as long as that session lives. When the leader
// dies, even by kill -9, its socket closes, PostgreSQL ends the session and frees the lock, and
// a follower takes it at its next attempt (LEADER_RETRY_MS). When the leader's own connection
// fails, it stops the work at once: it can no longer prove it holds the lock.
import { createHash } from "node:crypto";
import pg from "pg";
import { parse } from "pg-connection-string";
import type { LeaderElection, LeaderWork, Log, OfficeStatus } from "./election";
import { errorMessage } from "../error-message";

/** First key of every lock this application takes ("AGNT"), so its locks are told apart from others'. */
export const LOCK_NAMESPACE = 0x41474e54;

/** Second key: the task's name hashed to a non-negative int4 (pg_locks shows it as objid). */
export function lockKey(task: string): number {
  return createHash("sha256").update(task).digest().readUInt32BE(0) & 0x7fffffff;
}

interface Office {
  tried: boolean;
  leader: boolean;
  holder: string | null;
  works: { start: LeaderWork; stop?: () => void | Promise<void> }[];
}

export interface AdvisoryLockOptions {
  databaseUrl: string;
  /** This process's name, recorded as the connection's application_name so followers can say who leads. */
  name: string;
  retryMs: number;
  log?: Log;
}

const APP_PREFIX = "agent-grants ";

export class AdvisoryLockElection implements LeaderElection {
  private readonly offices = new Map<string, Office>();
  private client: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;
  private readonly log: Log;

  constructor(private readonly options: AdvisoryLockOptions) {
    this.log = options.log ?? console.log;
  }

  campaign(task: string): void {
    if (this.offices.has(task) || this.stopped) return;
    this.offices.set(task, { tried: false, leader: false, holder: null, works: [] });
    this.schedule(0);
  }

  isLeader(task: string): boolean {
    return this.offices.get(task)?.leader === true;
  }

  runAsLeader(task: string, start: LeaderWork): () => Promise<void> {
    this.campaign(task);
    const office = this.offices.get(task);
    if (!office) return async () => undefined;
    const work: Office["works"][number] = { start };
    office.works.push(work);
    if (office.leader) work.stop = start() ?? undefined;
    return async () => {
      office.works.splice(office.works.indexOf(work), 1);
      const stop = work.stop;
      work.stop = undefined;
      await stop?.();
    };
  }

  status(): OfficeStatus[] {
    return [...this.offices].map(([task, o]) => ({ task, leader: o.leader, holder: o.leader ? this.options.name : o.holder }));
  }

  /** Resolves once every office has been tried at least once (tests wait for a settled state). */
  async settled(): Promise<void> {
    while (!this.stopped && [...this.offices.values()].some((o) => !o.tried)) await new Promise((r) => setTimeout(r, 10));
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking;
    for (const [task, office] of this.offices) if (office.leader) await this.resign(task, office, "shutting down");
    const client = this.client;
    this.client = undefined;
    // Ending the session releases every advisory lock it holds.
    await client?.end().catch(() => undefined);
  }

  private schedule(ms: number): void {
    if (this.stopped || this.ticking) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.ticking = this.tick().finally(() => {
        this.ticking = undefined;
        this.schedule(this.options.retryMs);
      });
    }, ms);
    this.timer.unref();
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({ ...(parse(this.options.databaseUrl) as pg.ClientConfig), application_name: `${APP_PREFIX}${this.options.name}`.slice(0, 63) });
    // A failed connection must not crash the process: the next tick reconnects.
    client.on("error", () => void this.lose("its database connection failed"));
    await client.connect();
    return client;
  }

  private async tick(): Promise<void> {
    try {
      this.client ??= await this.connect();
      const client = this.client;
      for (const [task, office] of this.offices) {
        if (office.leader) continue;
        const { rows } = await client.query<{ got: boolean }>("SELECT pg_try_advisory_lock($1, $2) AS got", [LOCK_NAMESPACE, lockKey(task)]);
        if (rows[0]?.got) this.take(task, office);
      }
      // Cheap liveness check for a leader's session, and who leads for the others.
      const { rows } = await client.query<{ objid: string; holder: string }>(
        `SELECT l.objid::text AS objid, a.application_name AS holder
           FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::oid
            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [LOCK_NAMESPACE],
      );
      const holders = new Map(rows.map((r) => [Number(r.objid), r.holder.startsWith(APP_PREFIX) ? r.holder.slice(APP_PREFIX.length) : r.holder]));
      for (const [task, office] of this.offices) {
        if (office.leader) continue;
        const holder = holders.get(lockKey(task)) ?? null;
        if (holder !== office.holder) this.log(holder ? `leader: ${this.options.name} follows "${task}" (led by ${holder})` : `leader: "${task}" has no leader; ${this.options.name} will try again`);
        office.holder = holder;
      }
      for (const office of this.offices.values()) office.tried = true;
    } catch (err) {
      await this.lose(`the election query failed (${errorMessage(err)})`);
    }
  }

  private take(task: string, office: Office): void {
    office.leader = true;
    office.holder = this.options.name;
    this.log(`leader: ${this.options.name} leads "${task}"`);
    for (const work of office.works) work.stop = work.start() ?? undefined;
  }

  private async resign(task: string, office: Office, why: string): Promise<void> {
    office.leader = false;
    office.holder = null;
    this.log(`leader: ${this.options.name} no longer leads "${task}" (${why})`);
    for (const work of office.works) {
      const stop = work.stop;
      work.stop = undefined;
      await Promise.resolve(stop?.()).catch(() => undefined);
    }
  }

  private async lose(why: string): Promise<void> {
    const client = this.client;
    this.client = undefined;
    for (const [task, office] of this.offices) if (office.leader) await this.resign(task, office, why);
    client?.end().catch(() => undefined);
  }
}
