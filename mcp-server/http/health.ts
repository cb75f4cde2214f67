// Liveness (the process answers) and readiness (it can reach the database, is not shutting
// down, and who leads singleton work): the same answers as the web app's (lib/health.ts).
import type { Db } from "@/lib/db";
import { handleLive, handleReady } from "@/lib/health";

export const healthLive = handleLive;

export function healthReady(db: Db): Promise<Response> {
  return handleReady(() => db);
}
