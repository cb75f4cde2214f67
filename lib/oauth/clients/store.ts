// Client rows as the OAuth code uses them: JSON columns parsed. The lookup that also resolves
// Client ID Metadata Documents is ./find.ts (it builds on this file, not the other way round).
import type { JSONWebKeySet } from "jose";
import type { Db, Tx } from "../../db";

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

/** Whether the client registered this grant type; ../request-params.ts turns a no into the OAuth error. */
export function clientAllowsGrant(client: Pick<ClientRecord, "grantTypes">, grantType: string): boolean {
  return client.grantTypes.includes(grantType);
}
