// Group commit for delivery outcomes. Under load many sends finish their provider call while
// another write transaction is running; instead of one write transaction each (and, on SQLite,
// one turn each at the database write lock, which the MCP server's writes wait for too), the
// outcomes that arrived meanwhile are recorded together in the next one (recordOutcomes: each
// conditional on `pending`, each with its own entry, in the transaction of its effect). An idle
// process records an outcome at once: nothing waits for a batch to fill.
//
// If a batch cannot commit, each of its outcomes is recorded again on its own, so one outcome
// that cannot be written (say, an entry the audit's privacy check refuses) fails only its own
// send. A message whose outcome is never recorded stays pending under its lease, and the
// reconciler delivers it again with the same idempotency key (docs/outbox.md).
import type { Deps } from "../deps";
import { recordOutcome, recordOutcomes, type Outcome, type OutcomeRecorder } from "./deliver";
import type { MessageRecord } from "./message-record";

interface Job {
  message: MessageRecord;
  outcome: Outcome;
  resolve: (recorded: MessageRecord) => void;
  reject: (err: unknown) => void;
}

/** An OutcomeRecorder that records the outcomes waiting at each turn in one write transaction (at most `maxBatch`). */
export function batchedOutcomes(deps: Deps, maxBatch = 64): OutcomeRecorder {
  const queue: Job[] = [];
  let running = false;

  const drain = async () => {
    running = true;
    try {
      while (queue.length) {
        const batch = queue.splice(0, maxBatch);
        try {
          const recorded = await recordOutcomes(deps, batch);
          for (const [i, job] of batch.entries()) {
            const row = recorded[i];
            if (row) job.resolve(row);
            else job.reject(new Error("recordOutcomes answered fewer rows than the batch held"));
          }
        } catch (err) {
          const [only] = batch;
          if (batch.length === 1 && only) only.reject(err);
          else for (const job of batch) recordOutcome(deps, job.message, job.outcome).then(job.resolve, job.reject);
        }
      }
    } finally {
      running = false;
    }
  };

  return (message, outcome) =>
    new Promise<MessageRecord>((resolve, reject) => {
      queue.push({ message, outcome, resolve, reject });
      if (!running) void drain();
    });
}
