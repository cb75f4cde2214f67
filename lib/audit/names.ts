// Human names for the ids in a page of audit entries: a user's email, a client's name, a
// grant as "<agent> grant, <day it was given>". Three indexed lookups per page (by primary
// key), whatever the page size; an id with no row (seeded or imported entries) has no name
// and the console shows the bare id.
import type { Db } from "../db";
import type { StoredAuditRow } from "./rows";

export interface AuditNames {
  users: Map<string, string>;
  clients: Map<string, string>;
  grants: Map<string, string>;
}

const ids = (values: (string | null | undefined)[]) => [...new Set(values.filter((v): v is string => !!v))];

/** "2 Dec 2026": the day in UTC, as the console shows times in UTC. */
const day = (d: Date) => d.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });

export async function auditNames(db: Db, entries: Pick<StoredAuditRow, "subjectUserId" | "actorId" | "actorType" | "clientId" | "grantId">[]): Promise<AuditNames> {
  const userIds = ids(entries.flatMap((e) => [e.subjectUserId, e.actorType === "user" ? e.actorId : null]));
  const grantIds = ids(entries.map((e) => e.grantId));
  const [users, grants] = await Promise.all([
    userIds.length ? db.user.findMany({ where: { id: { in: userIds } }, select: { id: true, email: true } }) : [],
    grantIds.length ? db.grant.findMany({ where: { id: { in: grantIds } }, select: { id: true, clientId: true, createdAt: true } }) : [],
  ]);
  const clientIds = ids([...entries.flatMap((e) => [e.clientId, e.actorType === "agent" ? e.actorId : null]), ...grants.map((g) => g.clientId)]);
  const clients = clientIds.length ? await db.client.findMany({ where: { id: { in: clientIds } }, select: { id: true, name: true } }) : [];
  const clientNames = new Map(clients.filter((c) => c.name).map((c) => [c.id, c.name as string]));
  return {
    users: new Map(users.map((u) => [u.id, u.email])),
    clients: clientNames,
    grants: new Map(grants.map((g) => [g.id, `${clientNames.get(g.clientId) ?? "Agent"} grant, ${day(g.createdAt)}`])),
  };
}
