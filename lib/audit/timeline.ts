// One grant's story, from the request that led to it to its last message: the entries that
// carry its grantId, and before them the request's entries, written before the grant
// existed. Those carry `details.request_id` (the AuthorizationRequest id); the grant row's
// requestId, or the request_id its own entries mention, connects them.
import type { Db } from "../db";
import { likePattern } from "./query";
import { normaliseRow, SELECT_COLUMNS, type StoredAuditRow } from "./rows";
import { isPostgres, SqlParams } from "./sql";

const MAX_TIMELINE = 5000;

function requestIdsOf(rows: StoredAuditRow[]): Set<string> {
  const ids = new Set<string>();
  for (const r of rows) {
    try {
      const d = JSON.parse(r.details) as { request_id?: unknown };
      if (typeof d.request_id === "string") ids.add(d.request_id);
    } catch {
      // a malformed row is verification's business, not the timeline's
    }
  }
  return ids;
}

async function select(db: Db, where: (p: SqlParams) => string, limit = MAX_TIMELINE): Promise<StoredAuditRow[]> {
  const p = new SqlParams(isPostgres(db));
  const sql = `SELECT ${SELECT_COLUMNS} FROM "AuditEvent" WHERE ${where(p)} ORDER BY "seq" ASC LIMIT ${p.add(limit)}`;
  return (await db.$queryRawUnsafe<Record<string, unknown>[]>(sql, ...p.values)).map(normaliseRow);
}

export async function grantTimeline(db: Db, grantId: string): Promise<StoredAuditRow[]> {
  const own = await select(db, (p) => `"grantId" = ${p.add(grantId)}`);
  const grant = await db.grant.findUnique({ where: { id: grantId }, select: { requestId: true, clientId: true } });
  const requestIds = requestIdsOf(own);
  if (grant?.requestId) requestIds.add(grant.requestId);
  const clientId = grant?.clientId ?? own.find((r) => r.clientId)?.clientId;
  if (requestIds.size === 0 || !clientId) return own;
  // Entries without a grant, of the same client (indexed), mentioning one of the requests.
  const before = own[0]?.seq;
  // Parameters are added in the order they appear (SQLite binds `?` by position).
  const early = await select(db, (p) => {
    const client = `"clientId" = ${p.add(clientId)} AND "grantId" IS NULL`;
    const mentions = [...requestIds].map((id) => `"details" LIKE ${p.add(likePattern(`"request_id":${JSON.stringify(id)}`))} ESCAPE '\\'`);
    const bound = before === undefined ? "" : ` AND "seq" < ${p.add(before)}`;
    return `${client} AND (${mentions.join(" OR ")})${bound}`;
  });
  return [...early, ...own].sort((a, b) => a.seq - b.seq);
}

/**
 * The event types of one grant, in order: the sequence a full flow is asserted against
 * (e2e/audit-flow.spec.ts), e.g. ["authorization.requested", "consent.shown", "consent.approved", ...].
 */
export async function grantEventTypes(db: Db, grantId: string): Promise<string[]> {
  return (await grantTimeline(db, grantId)).map((e) => e.type);
}

export interface OwnGrantFlow {
  /** The user's latest grants, newest first. */
  grants: { id: string; status: string }[];
  /** The grant shown: the one asked for when it is the user's own, else the newest. */
  picked?: { id: string; status: string };
  entries: StoredAuditRow[];
}

/**
 * The flow /activity shows a user: one of their own grants' timeline. A grant id that is not
 * theirs is ignored (the newest of their own is shown instead), so no one reads another
 * user's grant by guessing its id.
 */
export async function ownGrantFlow(db: Db, userId: string, askedGrantId?: string | null, recent = 8): Promise<OwnGrantFlow> {
  const select = { id: true, status: true } as const;
  const grants = await db.grant.findMany({ where: { userId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: recent, select });
  const asked = askedGrantId ? (grants.find((g) => g.id === askedGrantId) ?? (await db.grant.findFirst({ where: { id: askedGrantId, userId }, select }))) : null;
  const picked = asked ?? grants[0];
  return { grants, picked, entries: picked ? await grantTimeline(db, picked.id) : [] };
}
