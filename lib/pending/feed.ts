// The live feed behind the home page's pending list: a snapshot (pending requests and recent
// notifications) and a Server-Sent Events stream that pushes a new snapshot whenever it
// changes. Checking every second puts a new request on the list within a second or two
// (docs/ciba.md) without any cross-process pub/sub: the database is the only thing all
// processes share.
import type { Db } from "../db";
import { listNotifications } from "../notifications/queries";
import type { PendingSnapshot } from "./feed-types";
import { listPendingRequests } from "./list";
import { errorMessage } from "../error-message";

export type { PendingItem, PendingSnapshot } from "./feed-types";

export async function pendingSnapshot(db: Db, userId: string, now: Date = new Date()): Promise<PendingSnapshot> {
  const [pending, notifications] = await Promise.all([listPendingRequests(db, userId, now), listNotifications(db, userId, 5)]);
  return { pending, notifications };
}

export interface StreamOptions {
  intervalMs?: number;
  /** The stream ends after this long; EventSource reconnects by itself (keeps proxies and memory tidy). */
  maxDurationMs?: number;
  heartbeatMs?: number;
  now?: () => Date;
  /** Checked before every tick; the stream ends once it says the session is over. */
  sessionLive?: () => Promise<boolean>;
}

const encoder = new TextEncoder();

/** An SSE response (text/event-stream) that emits `event: snapshot` on every change. */
export function pendingStreamResponse(db: Db, userId: string, signal: AbortSignal, options: StreamOptions = {}): Response {
  const { intervalMs = 1000, maxDurationMs = 5 * 60_000, heartbeatMs = 15_000, now = () => new Date(), sessionLive } = options;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const started = Date.now();
      let last = "";
      let lastWrite = Date.now();
      const close = () => {
        if (closed) return;
        closed = true;
        if (timer) clearTimeout(timer);
        try {
          controller.close();
        } catch {
          // already closed by the client
        }
      };
      signal.addEventListener("abort", close);
      const tick = async () => {
        if (closed) return;
        try {
          // EventSource reconnects after the end, gets 401 and stops: the page shows it signed out.
          if (sessionLive && !(await sessionLive())) return close();
          const snapshot = JSON.stringify(await pendingSnapshot(db, userId, now()));
          if (closed) return;
          if (snapshot !== last) {
            last = snapshot;
            lastWrite = Date.now();
            // retry: tells EventSource how soon to reconnect after the stream ends.
            controller.enqueue(encoder.encode(`retry: 1000\nevent: snapshot\ndata: ${snapshot}\n\n`));
          } else if (Date.now() - lastWrite >= heartbeatMs) {
            lastWrite = Date.now();
            controller.enqueue(encoder.encode(`: keep-alive\n\n`));
          }
        } catch (err) {
          console.error("pending feed: query failed:", errorMessage(err));
        }
        if (Date.now() - started >= maxDurationMs) return close();
        timer = setTimeout(tick, intervalMs);
      };
      void tick();
    },
    cancel() {
      closed = true;
      if (timer) clearTimeout(timer);
    },
  });
  return new Response(stream, {
    headers: {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-store, no-transform",
      "X-Accel-Buffering": "no",
    },
  });
}
