// A separate process appending to the audit chain, as a web app or MCP server instance
// would: node --import tsx lib/audit/testing/append-worker.ts <database-url> <count> <name>
// Waits for "go" on stdin so that every worker starts writing at the same moment.
import { createDb } from "../../db/client";
import { writeTransaction } from "../../db/transaction";
import { appendAudit } from "../append";

const [url, countText, name] = process.argv.slice(2);
if (!url || !countText || !name) throw new Error("usage: append-worker.ts <database-url> <count> <name>");
const db = createDb(url);
await db.auditHead.findUnique({ where: { id: 1 } }); // connect before the start signal
process.stdout.write("ready\n");
await new Promise<void>((resolve) => process.stdin.once("data", () => resolve()));
for (let i = 0; i < Number(countText); i++) {
  await writeTransaction(db, (tx) =>
    appendAudit(tx, { type: "tool.allowed", outcome: "success", actorType: "service", actorId: name, details: { i } }),
  );
}
await db.$disconnect();
process.exit(0);
