// The issuer's periodic checkpoint (docs/audit.md, "Checkpoints"), as a web-process background task
// (lib/background.ts). Every web app instance may run it: maybeCheckpoint works under the head
// lock, so instances never sign twice for one interval.
import type { Deps } from "../deps";
import { checkpointSigner } from "./audit-trail";
import { maybeCheckpoint } from "./checkpoint";

export const CHECKPOINT_EVERY_SECONDS = 60;

export const auditCheckpointTask = {
  name: "audit checkpoint",
  everySeconds: CHECKPOINT_EVERY_SECONDS,
  // A little under the timer's period, so timer jitter never skips a round.
  run: (deps: Deps) => maybeCheckpoint(deps.db, checkpointSigner(deps.config), { everySeconds: CHECKPOINT_EVERY_SECONDS - 5, now: deps.now() }),
};
