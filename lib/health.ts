// Liveness and readiness for every process (web app and MCP server). Liveness says the process
// answers; readiness says it can do its work, which needs the database, so it runs a trivial
// query with a time limit. Orchestrators send traffic only to ready instances.
import type { Db } from "./db";

const NO_STORE = { "Cache-Control": "no-store" };

export function handleLive(): Response {
  return Response.json({ status: "ok" }, { headers: NO_STORE });
}

export async function checkDatabase(db: Db, timeoutMs = 2000): Promise<{ ok: true } | { ok: false; reason: string }> {
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

/** `getDb` is a function so that a failure to even open the database reads as "not ready". */
export async function handleReady(getDb: () => Db): Promise<Response> {
  let result: Awaited<ReturnType<typeof checkDatabase>>;
  try {
    result = await checkDatabase(getDb());
  } catch {
    result = { ok: false, reason: "database not configured or cannot be opened" };
  }
  if (result.ok) return Response.json({ status: "ok", checks: { database: "ok" } }, { headers: NO_STORE });
  return Response.json({ status: "unavailable", checks: { database: "failed" }, reason: result.reason }, { status: 503, headers: NO_STORE });
}
