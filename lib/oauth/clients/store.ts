// Client rows as the OAuth code uses them: JSON columns parsed, one lookup function that also
// resolves Client ID Metadata Documents (an https URL as client_id).
import type { JSONWebKeySet } from "jose";
import type { Db, Tx } from "../../db";
import type { Deps } from "../../deps";
import { isMetadataDocumentClientId, resolveMetadataDocumentClient } from "./metadata-document";

export type ClientKind = "dynamic" | "metadata_document" | "preregistered" | "service";
export type TokenEndpointAuthMethod = "none" | "client_secret_basic" | "client_secret_post" | "private_key_jwt";

export interface ClientRecord {
  id: string;
  kind: ClientKind;
  name: string | null;
  secretHash: string | null;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  redirectUris: string[];
  grantTypes: string[];
  /** Allowed scopes, space separated; null = every supported scope. */
  scope: string | null;
  jwks: JSONWebKeySet | null;
  /** The registered metadata (RFC 7591 names), as answered to the client. */
  metadata: Record<string, unknown>;
  verified: boolean;
  maxDelegationDepth: number;
  fetchedAt: Date | null;
  cacheUntil: Date | null;
  createdAt: Date;
  /** Set by `admin revoke-client`: the client is unknown to every endpoint from then on. */
  revokedAt: Date | null;
  /** An administrator allowed this client to send CIBA prompts (`admin enable-ciba`). */
  cibaEnabled: boolean;
}

type ClientRow = NonNullable<Awaited<ReturnType<Db["client"]["findUnique"]>>>;

export function toClientRecord(row: ClientRow): ClientRecord {
  return {
    ...row,
    kind: row.kind as ClientKind,
    tokenEndpointAuthMethod: row.tokenEndpointAuthMethod as TokenEndpointAuthMethod,
    redirectUris: JSON.parse(row.redirectUris) as string[],
    grantTypes: JSON.parse(row.grantTypes) as string[],
    jwks: row.jwks ? (JSON.parse(row.jwks) as JSONWebKeySet) : null,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
  };
}

/** The stored client, without fetching anything. */
export async function loadClient(db: Db | Tx, clientId: string): Promise<ClientRecord | null> {
  if (!clientId || clientId.length > 2048) return null;
  const row = await db.client.findUnique({ where: { id: clientId } });
  return row ? toClientRecord(row) : null;
}

/**
 * The client named by `clientId`, or null when there is none (or it was revoked).
 * A metadata-document client (https URL) is fetched when not cached or stale; fetch and
 * validation failures throw ClientMetadataError with a reason fit for an error page.
 */
export async function findClient(deps: Deps, clientId: string): Promise<ClientRecord | null> {
  const client = isMetadataDocumentClientId(clientId, deps.config)
    ? await resolveMetadataDocumentClient(deps, clientId)
    : await loadClient(deps.db, clientId);
  return client && !client.revokedAt ? client : null;
}

export function clientAllowsGrant(client: ClientRecord, grantType: string): boolean {
  return client.grantTypes.includes(grantType);
}
