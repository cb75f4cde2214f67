// The issuer's periodic checkpoint (docs/audit.md, "Checkpoints"), as a web-process background task
// (lib/background.ts). It is a singleton: the leading web app signs (lib/leader). maybeCheckpoint
// also works under the head lock, so even a former leader's last pass never signs twice for one
// interval. AUDIT_CHECKPOINT_SECONDS sets the period.
import type { Deps } from "../deps";
import type { AppConfig } from "../config";
import { checkpointSigner } from "./audit-trail";
import { maybeCheckpoint } from "./checkpoint";

export const auditCheckpointTask = {
  name: "audit checkpoint",
  everySeconds: (config: AppConfig) => config.scale.auditCheckpointSeconds,
  singleton: true,
  // A little under the timer's period, so timer jitter never skips a round.
  run: (deps: Deps) => maybeCheckpoint(deps.db, checkpointSigner(deps.config), { everySeconds: deps.config.scale.auditCheckpointSeconds * 0.9, now: deps.now() }),
};
