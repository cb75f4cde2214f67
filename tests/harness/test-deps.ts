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

// Tests drive many authorization requests and metadata document clients from one (unknown)
// address; the budgets themselves are tested in lib/oauth/request-limits.test.ts.
const TEST_BUDGETS = {
  AUTHORIZATION_REQUESTS_PER_ADDRESS_PER_MINUTE: "100000",
  METADATA_CLIENTS_PER_ADDRESS_PER_HOUR: "100000",
};

export function testDeps(db: Db, configOverrides: Partial<AppConfig> = {}, start: Date = new Date()): TestDeps {
  let current = start.getTime();
  const config = { ...loadConfig({ APP_ENV: "test", DATA_DIR: "tmp/test-data", ...TEST_BUDGETS }), ...configOverrides };
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
