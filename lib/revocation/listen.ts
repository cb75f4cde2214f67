// Receives revocations for this process's caches (announce.ts sends them). On PostgreSQL one
// dedicated connection LISTENs; when it drops, it reconnects and reports "forget everything",
// since notifications sent meanwhile are lost. On SQLite, the local channel (local-bus.ts).
import pg from "pg";
import { parse } from "pg-connection-string";
import { databaseTarget, isPostgresUrl } from "../db/target";
import { REVOCATION_CHANNEL } from "./announce";
import { decodeRevocation, type RevocationEvent } from "./events";
import { busDirectory, listenLocal } from "./local-bus";
import { errorMessage } from "../error-message";

export interface ListenOptions {
  databaseUrl: string;
  /** Recorded as the connection's application_name. */
  name: string;
  onEvent: (event: RevocationEvent) => void;
  log?: (line: string) => void;
  /** Wait before reconnecting a dropped connection. */
  retryMs?: number;
}

export interface RevocationListener {
  /** Resolves once the first subscription is in place. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

export function listenForRevocations(options: ListenOptions): RevocationListener {
  return isPostgresUrl(options.databaseUrl) ? listenPostgres(options) : listenSqlite(options);
}

function listenPostgres({ databaseUrl, name, onEvent, log = console.log, retryMs = 1000 }: ListenOptions): RevocationListener {
  let client: pg.Client | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => (markReady = r));
  let connectedOnce = false;

  const retry = () => {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void open();
    }, retryMs);
    timer.unref();
  };
  const drop = (why: string) => {
    if (!client) return;
    log(`revocation push: the LISTEN connection failed (${why}); polling covers until it is back`);
    client.removeAllListeners("notification");
    client.end().catch(() => undefined);
    client = undefined;
    retry();
  };
  const open = async () => {
    const c = new pg.Client({ ...(parse(databaseUrl) as pg.ClientConfig), application_name: `agent-grants listen ${name}`.slice(0, 63) });
    c.on("error", (err) => drop(err.message));
    c.on("end", () => drop("connection closed"));
    c.on("notification", (msg) => {
      if (msg.channel === REVOCATION_CHANNEL) onEvent(decodeRevocation(msg.payload ?? ""));
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${REVOCATION_CHANNEL}`);
    } catch (err) {
      c.removeAllListeners();
      c.on("error", () => undefined);
      c.end().catch(() => undefined);
      if (!stopped) retry();
      if (!connectedOnce) log(`revocation push: cannot LISTEN yet (${errorMessage(err)})`);
      return;
    }
    if (stopped) {
      await c.end().catch(() => undefined);
      return;
    }
    client = c;
    // Anything revoked while no connection listened is unknown: forget it all.
    if (connectedOnce) onEvent({ kind: "all" });
    connectedOnce = true;
    markReady();
  };
  void open();
  return {
    ready,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      const c = client;
      client = undefined;
      c?.removeAllListeners("end");
      await c?.end().catch(() => undefined);
    },
  };
}

function listenSqlite({ databaseUrl, onEvent, log = console.log }: ListenOptions): RevocationListener {
  const file = databaseTarget(databaseUrl).filePath;
  const dir = file && file !== ":memory:" ? busDirectory(file) : null;
  if (!dir) {
    if (file !== ":memory:") log("revocation push: the local channel's directory is not this user's; polling only");
    return { ready: Promise.resolve(), stop: async () => undefined };
  }
  const stop = listenLocal(dir, (line) => onEvent(decodeRevocation(line)));
  return {
    ready: stop.then(() => undefined),
    stop: async () => (await stop)(),
  };
}
