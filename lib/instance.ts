// What this process knows about itself as one instance among several (docs/deployment.md):
// whether it is shutting down (readiness turns red first) and which singleton work it leads.
// Kept under a global symbol: Next.js may bundle this module more than once in the web app,
// and the route answering readiness must see the state the server set.
import type { LeaderElection } from "./leader";

export interface InstanceState {
  /** Set on SIGTERM: readiness answers 503 so the load balancer stops sending new requests. */
  draining: boolean;
  election?: LeaderElection;
}

const KEY = Symbol.for("agent-grants.instance-state");

export function instanceState(): InstanceState {
  const g = globalThis as unknown as Record<symbol, InstanceState | undefined>;
  g[KEY] ??= { draining: false };
  return g[KEY];
}
