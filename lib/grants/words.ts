// The grants dashboard's limits in words: what the grant allows, how many messages each entry
// has left and how long it has to run.
import { describeDetails, describeScope, type WordsOptions } from "../authorization-details";
import type { GrantView } from "./queries";

/** "45 minutes left", "2 hours 5 minutes left", "3 days left", "ended". */
export function timeLeftInWords(expiresAt: Date, now: Date): string {
  const seconds = Math.floor((expiresAt.getTime() - now.getTime()) / 1000);
  if (seconds <= 0) return "ended";
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  if (seconds < 60) return `${plural(seconds, "second")} left`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${plural(minutes, "minute")} left`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${plural(hours, "hour")}${minutes % 60 ? ` ${plural(minutes % 60, "minute")}` : ""} left`;
  return `${plural(Math.floor(hours / 24), "day")} left`;
}

/** The grant's limits, one sentence per line: the details with their end, then other scopes. */
export function limitsInWords(grant: Pick<GrantView, "details" | "scope" | "expiresAt">, options: WordsOptions = {}): string[] {
  const details = describeDetails(grant.details, { ...options, until: grant.expiresAt });
  const scopes = grant.scope
    .split(" ")
    .filter(Boolean)
    .filter((s) => !(s === "messages:send" && details.length))
    .map(describeScope);
  return [...details, ...scopes];
}
