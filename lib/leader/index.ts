// The election a process takes part in, chosen by its database (election.ts says why).
import { isPostgresUrl } from "../db/target";
import type { AppConfig } from "../config";
import { AdvisoryLockElection } from "./advisory-lock";
import { FixedElection, type LeaderElection, type Log } from "./election";

export type { LeaderElection, LeaderWork, OfficeStatus } from "./election";

/** The process kinds; on SQLite the web app owns singleton work. */
export type ProcessRole = "web app" | "MCP server";

export function createLeaderElection(config: AppConfig, role: ProcessRole, log?: Log): LeaderElection {
  const name = config.scale.instanceName;
  if (isPostgresUrl(config.databaseUrl)) return new AdvisoryLockElection({ databaseUrl: config.databaseUrl, name, retryMs: config.scale.leaderRetryMs, log });
  return new FixedElection(role === "web app", name, "web app", log);
}
