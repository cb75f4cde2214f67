// Child process for the outbox lease tests: one reconciler pass over the database at a fixed
// clock, against a webhook provider, printing its result as JSON. The other reconciler runs in
// the test process at the same time: this one prints "ready" once loaded and connected, and
// starts when it reads a line on stdin, so the two passes really overlap. Usage:
//   tsx tests/workers/reconcile-outbox.ts <db url> <webhook url> <now ISO> <holder> <env JSON>
import { createDb } from "../../lib/db/client";
import { loadConfig } from "../../lib/config";
import { webhookProvider } from "../../lib/messaging/providers/webhook";
import { reconcileOutbox } from "../../lib/messaging/reconciler";

const [url, hookUrl, nowIso, holder, envJson] = process.argv.slice(2);
if (!url || !hookUrl || !nowIso || !holder || !envJson) throw new Error("usage: reconcile-outbox.ts <db url> <webhook url> <now ISO> <holder> <env JSON>");
const db = createDb(url);
const config = loadConfig({ APP_ENV: "test", DATA_DIR: "tmp/test-data", ...(JSON.parse(envJson) as Record<string, string>) });
const now = new Date(nowIso);
const provider = webhookProvider({ url: hookUrl, timeoutMs: config.delivery.providerTimeoutMs });
await db.message.count(); // connected
console.log("ready");
await new Promise((resolve) => process.stdin.once("data", resolve));
const result = await reconcileOutbox({ db, config, now: () => now }, provider, { holder });
await db.$disconnect();
console.log(JSON.stringify(result));
