// Liveness and readiness for every process (web app and MCP server). Liveness says the process
// answers; readiness says it can do its work, which needs the database, so it runs a trivial
// query with a time limit. Orchestrators send traffic only to ready instances.
// Readiness also says who leads each singleton task (lib/leader) and turns red as soon as the
// instance starts shutting down (docs/deployment.md, "Rolling restarts").
import type { Db } from "./db";
import { instanceState, type InstanceState } from "./instance";

const NO_STORE = { "Cache-Control": "no-store" };

export function handleLive(): Response {
  return Response.json({ status: "ok" }, { headers: NO_STORE });
}

/** Whether the database answered, and if not why (never the error's own text: it may name the URL). */
export type DatabaseCheck = { ok: true } | { ok: false; reason: string };

export async function checkDatabase(db: Db, timeoutMs = 2000): Promise<DatabaseCheck> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timeout")), timeoutMs);
  });
  try {
    await Promise.race([db.$queryRaw`SELECT 1`, timeout]);
    return { ok: true };
  } catch (err) {
    const timedOut = err instanceof Error && err.message === "timeout";
    return { ok: false, reason: timedOut ? `database did not answer within ${timeoutMs} ms` : "database unreachable" };
  } finally {
    clearTimeout(timer);
  }
}

function leadership(state: InstanceState): Record<string, { leader: boolean; holder: string | null }> | undefined {
  const offices = state.election?.status();
  if (!offices?.length) return undefined;
  return Object.fromEntries(offices.map((o) => [o.task, { leader: o.leader, holder: o.holder }]));
}

/** `getDb` is a function so that a failure to even open the database reads as "not ready". */
export function handleReady(getDb: () => Db, state: InstanceState = instanceState()): Promise<Response> {
  return readinessResponse(() => checkDatabase(getDb()), state);
}

/**
 * The readiness answer for a process that checks its database through a port (the MCP
 * server, lib/resource-server/ports.ts) rather than holding the handle. A check that throws
 * reads as "not ready".
 */
export async function readinessResponse(checkDb: () => Promise<DatabaseCheck>, state: InstanceState = instanceState()): Promise<Response> {
  const leaders = leadership(state);
  if (state.draining) return Response.json({ status: "draining", checks: { shutdown: "in progress" }, ...(leaders && { leaders }) }, { status: 503, headers: NO_STORE });
  let result: DatabaseCheck;
  try {
    result = await checkDb();
  } catch {
    result = { ok: false, reason: "database not configured or cannot be opened" };
  }
  if (result.ok) return Response.json({ status: "ok", checks: { database: "ok" }, ...(leaders && { leaders }) }, { headers: NO_STORE });
  return Response.json({ status: "unavailable", checks: { database: "failed" }, reason: result.reason }, { status: 503, headers: NO_STORE });
}
