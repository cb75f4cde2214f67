// The signed-in user's pending out-of-band requests (CIBA, device and in-call extensions of a
// live grant), as the home page lists them: which agent, its binding message, and what it asks
// for in words, with the consent page to review it on.
import type { Db } from "../db";
import { describeDetails, describeScope, durationInWords, parseStoredDetails } from "../authorization-details";
import { extensionPagePath, listPendingExtensions } from "../grants/extensions";
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
  const [rows, extensions] = await Promise.all([
    db.authorizationRequest.findMany({
      where: { userId, status: "pending", flow: { in: OUT_OF_BAND_FLOWS }, expiresAt: { gt: now } },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: 50,
    }),
    listPendingExtensions(db, userId, now),
  ]);
  const clientIds = [...new Set([...rows, ...extensions].map((r) => r.clientId))];
  const clients = clientIds.length ? await db.client.findMany({ where: { id: { in: clientIds } }, select: { id: true, name: true } }) : [];
  const names = new Map(clients.map((c) => [c.id, c.name]));
  const items: PendingItem[] = rows.map((r) => ({
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
  for (const x of extensions) {
    items.push({
      id: x.id,
      flow: "extension",
      clientId: x.clientId,
      agent: names.get(x.clientId) || x.clientId,
      bindingMessage: null,
      words: [`Also: ${x.words}`],
      createdAt: x.createdAt.toISOString(),
      expiresAt: x.expiresAt.toISOString(),
      reviewUrl: extensionPagePath(x.id),
    });
  }
  return items.sort((a, b) => (a.createdAt === b.createdAt ? b.id.localeCompare(a.id) : b.createdAt.localeCompare(a.createdAt))).slice(0, 50);
}
