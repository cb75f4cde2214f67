// Liveness (the process answers) and readiness (it can reach the database, is not shutting
// down, and who leads singleton work): the same answers as the web app's (lib/health.ts),
// with the database checked through the readiness port.
import { handleLive, readinessResponse } from "@/lib/health";
import type { Readiness } from "@/lib/resource-server/ports";

export const healthLive = handleLive;

export function healthReady(readiness: Readiness): Promise<Response> {
  return readinessResponse(() => readiness.check());
}
