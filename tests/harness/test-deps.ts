// Deps for integration tests: a real database, the test configuration, and a clock the test
// can move (deps.now). Shared by the OAuth tests; keep it small.
import { loadConfig, type AppConfig } from "../../lib/config";
import type { Db } from "../../lib/db/client";
import type { Deps } from "../../lib/deps";

export interface TestDeps extends Deps {
  /** Moves the clock forward by `seconds`. */
  advance(seconds: number): void;
  setNow(date: Date): void;
}

export function testDeps(db: Db, configOverrides: Partial<AppConfig> = {}, start: Date = new Date()): TestDeps {
  let current = start.getTime();
  const config = { ...loadConfig({ APP_ENV: "test", DATA_DIR: "tmp/test-data" }), ...configOverrides };
  return {
    db,
    config,
    now: () => new Date(current),
    advance(seconds) {
      current += seconds * 1000;
    },
    setNow(date) {
      current = date.getTime();
    },
  };
}
