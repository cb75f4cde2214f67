// The messages sent under a grant, read back for the agent that sent them (the MCP server's
// list_messages): the MessageLog port (lib/resource-server/ports.ts) over the shared database.
// The messaging side owns the Message table; this is the one read of it the MCP server makes.
import type { Db } from "../db";
import type { MessageLog } from "../resource-server/ports";

export function dbMessageLog(db: Db): MessageLog {
  return {
    sentUnder: (grantId, limit) =>
      db.message.findMany({
        where: { grantId },
        orderBy: { createdAt: "desc" },
        take: limit,
        select: { id: true, recipient: true, body: true, status: true, createdAt: true, deliveredAt: true },
      }),
  };
}
