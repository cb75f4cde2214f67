// npm run audit:verify [-- --checkpoints <file>] [--messages]
// Verifies the audit chain of the configured database from the first entry to the head, and
// against the signed checkpoints (the latest stored ones, plus copies kept elsewhere: a file
// holding the JSON of GET /api/audit/checkpoints, or one JWS per line).
// --messages also checks that every delivered message has its entry and every delivery entry
// its message, and that every message still has the body its message.queued entry recorded
// (lib/audit/messages-check.ts; needs the AUDIT_HMAC_KEY the entries were written with).
// Exit status: 0 intact, 1 tampering found (the first bad entry is named), 2 could not run.
import { readFileSync } from "node:fs";
import { loadConfig } from "../lib/config";
import { createDb } from "../lib/db/client";
import { checkpointSigner, verifyAuditTrail } from "../lib/audit/audit-trail";
import { checkMessageEntries } from "../lib/audit/messages-check";
import { progress, type Progress } from "./progress";
import { errorMessage } from "../lib/error-message";

function externalCheckpoints(argv: string[]): string[] {
  const i = argv.indexOf("--checkpoints");
  if (i === -1) return [];
  const file = argv[i + 1];
  if (!file) throw new Error("--checkpoints needs a file");
  const text = readFileSync(file, "utf8").trim();
  if (text.startsWith("{") || text.startsWith("[")) {
    const parsed = JSON.parse(text) as { checkpoints?: { jws: string }[] } | { jws: string }[];
    const list = Array.isArray(parsed) ? parsed : (parsed.checkpoints ?? []);
    return list.map((c) => c.jws);
  }
  return text.split(/\s+/).filter(Boolean);
}

const fmt = (n: number) => n.toLocaleString("en-US");

try {
  const extra = externalCheckpoints(process.argv.slice(2));
  const cfg = loadConfig();
  const db = createDb(cfg.databaseUrl);
  let bar: Progress | undefined;
  const verdict = await verifyAuditTrail(db, checkpointSigner(cfg), {
    extraCheckpoints: extra,
    databaseUrl: cfg.databaseUrl,
    onProgress: (checked, total) => {
      bar ??= progress("verified", total);
      bar.update(checked);
    },
  });
  bar?.finish();
  const messages = process.argv.includes("--messages") ? await checkMessageEntries(db, cfg.auditHmacKey) : null;
  await db.$disconnect();
  if (messages && !messages.ok) {
    for (const id of messages.deliveredWithoutEntry) console.error(`LOST: message ${id} was delivered but has no message.delivered entry`);
    for (const e of messages.entriesWithoutMessage) console.error(`INVENTED: entry ${e.seq} says message ${e.messageId ?? "(none)"} was delivered, but no such delivered message exists`);
    for (const c of messages.changedBodies) console.error(`CHANGED: message ${c.messageId} no longer has the body entry ${c.seq} recorded`);
  } else if (messages) console.log("Messages: every delivered message has its entry, every delivery entry its message, and every message the body its entry recorded.");
  const stats = `${fmt(verdict.checked)} entries, head seq ${verdict.headSeq}, ${verdict.checkpointsChecked} checkpoint(s) matched, ${(verdict.elapsedMs / 1000).toFixed(1)} s`;
  for (const p of verdict.checkpointProblems) console.error(`CHECKPOINT PROBLEM: ${p}`);
  if (verdict.problem) {
    console.error(`TAMPERED: ${verdict.problem.kind} at entry ${verdict.problem.seq}: ${verdict.problem.message}`);
    console.error(`(${stats})`);
    process.exit(1);
  }
  if (!verdict.ok || (messages && !messages.ok)) {
    console.error(`NOT VERIFIED: the chain is consistent, but ${verdict.ok ? "messages and entries disagree" : "checkpoints failed their checks"} (${stats})`);
    process.exit(1);
  }
  console.log(`OK: the audit chain is intact (${stats}).`);
  process.exit(0);
} catch (err) {
  console.error(`audit:verify could not run: ${errorMessage(err)}`);
  process.exit(2);
}
