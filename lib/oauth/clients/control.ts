// What an administrator decides about a client after registration (docs/ciba.md, "Client
// control"): whether it may send CIBA prompts, and revoking it altogether. Each change is one
// write transaction with its audit entry (docs/audit.md).
import { appendActorChange, type AuditActor } from "../../audit/actor";
import { writeTransaction, type Db, type Tx } from "../../db";
import { revokeGrant } from "../../grants/revoke";
import { announceRevocation } from "../../revocation/announce";
import { GRANT_TYPES } from "../supported";
import { forgetCachedClientsOnCommit } from "./cache";
import { toClientRecord, type ClientRecord } from "./store";

/** A refused change, with a message for the operator. */
export class ClientControlError extends Error {
  override name = "ClientControlError";
  constructor(
    readonly code: "not_found" | "revoked" | "not_ciba" | "public_client",
    message: string,
  ) {
    super(message);
  }
}

async function loadForChange(tx: Tx, clientId: string): Promise<ClientRecord> {
  const row = await tx.client.findUnique({ where: { id: clientId } });
  if (!row) throw new ClientControlError("not_found", `No client has the id ${clientId}.`);
  return toClientRecord(row);
}

/**
 * Allows or stops CIBA for a client. Enabling needs a live confidential client that registered
 * the CIBA grant type (CIBA Core section 4). Returns whether anything changed.
 */
export async function setCibaEnabled(
  db: Db,
  clientId: string,
  enabled: boolean,
  actor: AuditActor,
  now: Date,
): Promise<{ client: ClientRecord; changed: boolean }> {
  return writeTransaction(db, async (tx) => {
    const client = await loadForChange(tx, clientId);
    if (enabled) {
      if (client.revokedAt) throw new ClientControlError("revoked", `Client ${clientId} was revoked; it cannot be enabled for anything.`);
      if (!client.grantTypes.includes(GRANT_TYPES.ciba))
        throw new ClientControlError("not_ciba", `Client ${clientId} did not register the CIBA grant type (${GRANT_TYPES.ciba}).`);
      if (client.tokenEndpointAuthMethod === "none")
        throw new ClientControlError("public_client", `Client ${clientId} is a public client; CIBA needs a confidential one.`);
    }
    if (client.cibaEnabled === enabled) return { client, changed: false };
    await tx.client.update({ where: { id: clientId }, data: { cibaEnabled: enabled } });
    // Other processes cache client rows for up to a second (cache.ts): told at once, so a
    // client whose CIBA was taken back prompts no one from the next request on.
    forgetCachedClientsOnCommit(tx);
    await announceRevocation(tx, { kind: "all" });
    await appendActorChange(tx, actor, { type: "client.updated", clientId, details: { ciba_enabled: enabled } }, now);
    return { client: { ...client, cibaEnabled: enabled }, changed: true };
  });
}

export interface ClientRevocation {
  grantsRevoked: number;
  refreshTokens: number;
  accessTokens: number;
  /** False when the client was already revoked (its grants and tokens are swept again). */
  newlyRevoked: boolean;
}

/**
 * Revokes a client: it authenticates nowhere from now on (findClient treats it as unknown),
 * every grant it holds is revoked with its tokens (RFC 7009 section 2.1), its tokens without a
 * grant (client_credentials) are revoked, and its pending requests expire. Resource servers
 * stop its tokens on their next status read (lib/resource-server/grant-status.ts checks the
 * client too, so even a grant this sweep has not reached reports not live).
 */
export async function revokeClient(db: Db, clientId: string, actor: AuditActor, now: Date): Promise<ClientRevocation> {
  return writeTransaction(db, async (tx) => {
    const client = await loadForChange(tx, clientId);
    await tx.client.update({ where: { id: clientId }, data: { revokedAt: client.revokedAt ?? now, cibaEnabled: false } });
    forgetCachedClientsOnCommit(tx);
    const grants = await tx.grant.findMany({ where: { clientId, status: "active" }, select: { id: true }, orderBy: { createdAt: "asc" } });
    const result = { grantsRevoked: 0, refreshTokens: 0, accessTokens: 0 };
    // One statement at a time: a transaction client runs queries on one connection.
    for (const grant of grants) {
      const r = await revokeGrant(tx, grant.id, "client_revoked", actor, now);
      result.grantsRevoked += r.grantIds.length;
      result.refreshTokens += r.refreshTokens;
      result.accessTokens += r.accessTokens;
    }
    result.refreshTokens += (await tx.refreshToken.updateMany({ where: { clientId, revokedAt: null }, data: { revokedAt: now } })).count;
    result.accessTokens += (await tx.issuedToken.updateMany({ where: { clientId, revokedAt: null }, data: { revokedAt: now } })).count;
    const expired = await tx.authorizationRequest.updateMany({ where: { clientId, status: "pending" }, data: { status: "expired" } });
    // Its grants were announced one by one; its grant-less tokens and the client itself are not
    // keyed in any cache, so every cache forgets everything.
    await announceRevocation(tx, { kind: "all" });
    await appendActorChange(
      tx,
      actor,
      {
        type: "client.revoked",
        clientId,
        details: {
          grants_revoked: result.grantsRevoked,
          refresh_tokens: result.refreshTokens,
          access_tokens: result.accessTokens,
          pending_requests: expired.count,
        },
      },
      now,
    );
    return { ...result, newlyRevoked: client.revokedAt === null };
  });
}
