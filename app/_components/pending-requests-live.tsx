"use client";
// Live pending list: Server-Sent Events from /api/pending/stream, falling back to polling
// /api/pending every second when the stream cannot be held open. New requests raise a
// browser notification when the user allowed it.
import { useCallback, useEffect, useRef, useState } from "react";
import type { PendingItem, PendingSnapshot } from "@/lib/pending/feed-types";

const POLL_MS = 1000;

function useLiveSnapshot(initial: PendingSnapshot): { snapshot: PendingSnapshot; signedOut: boolean } {
  const [snapshot, setSnapshot] = useState(initial);
  const [signedOut, setSignedOut] = useState(false);
  useEffect(() => {
    let stopped = false;
    let pollTimer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      if (stopped) return;
      try {
        const res = await fetch("/api/pending", { cache: "no-store" });
        if (res.status === 401) {
          // Signed out (in another tab, everywhere, or the account was revoked): stop, and say so.
          setSignedOut(true);
          return;
        }
        if (res.ok) setSnapshot(await res.json());
      } catch {
        // offline for a moment: try again on the next tick
      }
      pollTimer = setTimeout(poll, POLL_MS);
    };
    if (typeof EventSource === "undefined") {
      void poll();
      return () => {
        stopped = true;
        clearTimeout(pollTimer);
      };
    }
    const source = new EventSource("/api/pending/stream");
    source.addEventListener("snapshot", (event) => setSnapshot(JSON.parse((event as MessageEvent<string>).data)));
    source.onerror = () => {
      // CLOSED means the browser gave up (an error status or a proxy that buffers): poll instead.
      if (source.readyState === EventSource.CLOSED && !pollTimer) void poll();
    };
    return () => {
      stopped = true;
      source.close();
      clearTimeout(pollTimer);
    };
  }, []);
  return { snapshot, signedOut };
}

function useBrowserNotifications(pending: PendingItem[], initialIds: string[]) {
  const seen = useRef(new Set(initialIds));
  const [permission, setPermission] = useState<NotificationPermission | "unsupported">("unsupported");
  useEffect(() => {
    setPermission(typeof Notification === "undefined" ? "unsupported" : Notification.permission);
  }, []);
  useEffect(() => {
    for (const item of pending) {
      if (seen.current.has(item.id)) continue;
      seen.current.add(item.id);
      if (typeof Notification === "undefined" || Notification.permission !== "granted") continue;
      const note = new Notification(`${item.agent} asks for your approval`, {
        body: [item.bindingMessage ? `“${item.bindingMessage}”` : "", ...item.words].filter(Boolean).join("\n"),
        tag: item.id,
      });
      note.onclick = () => {
        window.focus();
        window.location.assign(item.reviewUrl);
      };
    }
  }, [pending]);
  const ask = useCallback(async () => {
    if (typeof Notification === "undefined") return;
    setPermission(await Notification.requestPermission());
  }, []);
  return { permission, ask };
}

export function PendingRequestsLive({ initial }: { initial: PendingSnapshot }) {
  const { snapshot, signedOut } = useLiveSnapshot(initial);
  // Once the session is over, nothing it showed stays on screen.
  const { pending, notifications } = signedOut ? { pending: [], notifications: [] } : snapshot;
  const { permission, ask } = useBrowserNotifications(pending, initial.pending.map((p) => p.id));
  return (
    <section aria-labelledby="pending-heading" data-testid="pending-requests">
      <h2 id="pending-heading">Waiting for you</h2>
      {permission === "default" && (
        <p>
          <button type="button" onClick={ask}>
            Enable notifications
          </button>{" "}
          <span className="muted">to hear about new requests while this page is open.</span>
        </p>
      )}
      {signedOut ? (
        <p role="status">
          You are signed out. <a href="/signin">Sign in</a> to see the requests waiting for you.
        </p>
      ) : pending.length === 0 ? (
        <p className="muted">No agent is waiting for your approval.</p>
      ) : (
        <ul className="card-list">
          {pending.map((item) => (
            <li key={item.id} className="card" data-testid="pending-request" data-request-id={item.id}>
              <strong>{item.agent}</strong>
              {item.bindingMessage && (
                <div>
                  Binding message: <q data-testid="binding-message">{item.bindingMessage}</q>
                </div>
              )}
              {item.words.map((line) => (
                <div key={line}>{line}</div>
              ))}
              <div className="muted" suppressHydrationWarning>
                Expires {new Date(item.expiresAt).toLocaleTimeString()}
              </div>
              <p className="actions">
                <a href={item.reviewUrl} className="button primary">
                  Review
                </a>
              </p>
            </li>
          ))}
        </ul>
      )}
      {notifications.length > 0 && (
        <details>
          <summary>Recent notifications (sandbox channel)</summary>
          <ul>
            {notifications.map((n) => (
              <li key={n.id} data-testid="notification">
                <strong>{n.title}</strong> <span className="muted" suppressHydrationWarning>
                  {new Date(n.createdAt).toLocaleString()}
                </span>
                <div>{n.body}</div>
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
