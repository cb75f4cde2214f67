// The signed-in user's pending out-of-band requests (CIBA and device), as the home page
// lists them: which agent, its binding message, and what it asks for in words, with the
// consent page to review it on.
import type { Db } from "../db";
import { describeDetails, describeScope, durationInWords, parseStoredDetails } from "../authorization-details";
import type { PendingItem } from "./feed-types";

export type { PendingItem } from "./feed-types";

export const OUT_OF_BAND_FLOWS = ["ciba", "device"];

/** How long the agent asks to keep the access, in the consent page's words. */
export { durationInWords } from "../authorization-details";

/** Details, then the scopes the details do not already say, then the lifetime asked for. */
export function requestInWords(request: { authorizationDetails: string; scope: string; requestedExpiry: number | null }): string[] {
  let details: string[] = [];
  try {
    details = describeDetails(parseStoredDetails(request.authorizationDetails));
  } catch {
    details = ["(authorization details that could not be read)"];
  }
  const scopes = request.scope
    .split(" ")
    .filter(Boolean)
    .filter((s) => !(s === "messages:send" && details.length))
    .map(describeScope);
  const lines = [...details, ...scopes];
  if (request.requestedExpiry) lines.push(`For ${durationInWords(request.requestedExpiry)}`);
  return lines;
}

export async function listPendingRequests(db: Db, userId: string, now: Date = new Date()): Promise<PendingItem[]> {
  const rows = await db.authorizationRequest.findMany({
    where: { userId, status: "pending", flow: { in: OUT_OF_BAND_FLOWS }, expiresAt: { gt: now } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: 50,
  });
  const clientIds = [...new Set(rows.map((r) => r.clientId))];
  const clients = clientIds.length ? await db.client.findMany({ where: { id: { in: clientIds } }, select: { id: true, name: true } }) : [];
  const names = new Map(clients.map((c) => [c.id, c.name]));
  return rows.map((r) => ({
    id: r.id,
    flow: r.flow,
    clientId: r.clientId,
    agent: names.get(r.clientId) || r.clientId,
    bindingMessage: r.bindingMessage,
    words: requestInWords(r),
    createdAt: r.createdAt.toISOString(),
    expiresAt: r.expiresAt.toISOString(),
    reviewUrl: `/consent/${encodeURIComponent(r.id)}`,
  }));
}
