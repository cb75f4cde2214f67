// Writes a client row from validated metadata. Secrets are stored only as hashes; the caller
// gets the plaintext secret once, to hand to the client.
import { appendActorChange, type AuditActor } from "../../audit/actor";
import type { Tx } from "../../db";
import { generateClientSecret, hashClientSecret } from "./secrets";
import { toClientRecord, type ClientKind, type ClientRecord } from "./store";
import type { ValidClientMetadata } from "./validate-metadata";

export interface NewClient {
  id: string;
  kind: ClientKind;
  metadata: ValidClientMetadata;
  verified?: boolean;
  /** Given for service clients whose secret comes from configuration; otherwise generated. */
  secret?: string;
  maxDelegationDepth?: number;
  createdAt: Date;
  fetchedAt?: Date;
  cacheUntil?: Date;
}

export const isConfidential = (m: ValidClientMetadata) =>
  m.token_endpoint_auth_method === "client_secret_basic" || m.token_endpoint_auth_method === "client_secret_post";

export function clientRowData(c: NewClient, secretHash: string | null) {
  return {
    id: c.id,
    kind: c.kind,
    name: c.metadata.client_name ?? null,
    secretHash,
    tokenEndpointAuthMethod: c.metadata.token_endpoint_auth_method,
    redirectUris: JSON.stringify(c.metadata.redirect_uris),
    grantTypes: JSON.stringify(c.metadata.grant_types),
    scope: c.metadata.scope,
    jwks: c.metadata.jwks ? JSON.stringify(c.metadata.jwks) : null,
    metadata: JSON.stringify(c.metadata),
    verified: c.verified ?? false,
    maxDelegationDepth: c.maxDelegationDepth ?? 1,
    createdAt: c.createdAt,
    fetchedAt: c.fetchedAt ?? null,
    cacheUntil: c.cacheUntil ?? null,
  };
}

/** Inserts the client and audits client.registered, in the caller's transaction. */
export async function insertClient(tx: Tx, c: NewClient, actor: AuditActor): Promise<{ client: ClientRecord; secret: string | null }> {
  const secret = isConfidential(c.metadata) ? (c.secret ?? generateClientSecret()) : null;
  const row = await tx.client.create({ data: clientRowData(c, secret ? hashClientSecret(secret) : null) });
  await appendActorChange(
    tx,
    actor,
    {
      type: "client.registered",
      clientId: c.id,
      details: {
        kind: c.kind,
        client_name: c.metadata.client_name ?? null,
        redirect_uris: c.metadata.redirect_uris,
        grant_types: c.metadata.grant_types,
        token_endpoint_auth_method: c.metadata.token_endpoint_auth_method,
      },
    },
    c.createdAt,
  );
  return { client: toClientRecord(row), secret };
}
