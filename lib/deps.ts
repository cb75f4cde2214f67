// What a framework-free handler needs from the outside world. Route files pass the
// process-wide instances (appDeps); tests pass their own database, config and clock.
import { config, type AppConfig } from "./config";
import { db, type Db } from "./db";

export interface Deps {
  db: Db;
  config: AppConfig;
  now: () => Date;
}

export function appDeps(): Deps {
  return { db: db(), config: config(), now: () => new Date() };
}
