// Background tasks with an election: a singleton task runs only where this process leads it;
// the others run everywhere. Stopping waits for a tick in progress.
import { describe, expect, it } from "vitest";
import { BACKGROUND_TASKS, startBackgroundTasks, type BackgroundTask } from "./background";
import { FixedElection } from "./leader/election";
import { testDeps } from "./messaging/test-fixtures";
import type { Db } from "./db";

const deps = () => testDeps({} as Db);

describe("background tasks", () => {
  it("checklist 208: the checkpoint signer, outbox reconciler, retention sweeps and successor erasure are singletons", () => {
    const singletons = BACKGROUND_TASKS.filter((t) => t.singleton).map((t) => t.name).sort();
    expect(singletons).toEqual(["audit checkpoint", "outbox reconciler", "refresh successor erasure", "retention sweeps"]);
  });

  it("checklist 208: a follower skips singleton tasks and runs the rest; stop waits for a running tick", async () => {
    for (const owner of [true, false]) {
      const runs = { single: 0, everywhere: 0 };
      let release: () => void = () => undefined;
      const tasks: BackgroundTask[] = [
        { name: "single", everySeconds: 0.02, singleton: true, run: async () => void runs.single++ },
        {
          name: "everywhere",
          everySeconds: 0.02,
          run: async () => {
            runs.everywhere++;
            await new Promise<void>((r) => (release = r));
          },
        },
      ];
      const stop = startBackgroundTasks(tasks, { election: new FixedElection(owner, "me", "web app", () => undefined), deps });
      await new Promise((r) => setTimeout(r, 150));
      let stopped = false;
      const stopping = stop().then(() => (stopped = true));
      await new Promise((r) => setTimeout(r, 30));
      expect(stopped).toBe(false);
      release();
      await stopping;
      expect(runs.everywhere).toBe(1);
      if (owner) expect(runs.single).toBeGreaterThan(1);
      else expect(runs.single).toBe(0);
    }
  });
});
