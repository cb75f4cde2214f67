// Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document): the client_id is
// an https URL, and the document served there is the client's metadata. Its client_id must
// equal the URL; its redirect_uris are the registered ones. Fetched through the SSRF guard,
// cached in the Client table (HTTP caching, clamped), re-fetched when stale.
import { writeTransaction } from "../../db";
import type { AppConfig } from "../../config";
import type { Deps } from "../../deps";
import { jsonHasInvalidCharacters } from "../../http/text";
import { clientRowData, insertClient } from "./create";
import { guardedFetch, GuardedFetchError } from "./ssrf-guard";
import { loadClient, toClientRecord, type ClientRecord } from "./store";
import { validateClientMetadata, type ValidClientMetadata } from "./validate-metadata";
import { OAuthError } from "../errors";
import { GRANT_TYPES } from "../supported";

export class ClientMetadataError extends Error {
  override name = "ClientMetadataError";
}

const MAX_DOCUMENT_BYTES = 16 * 1024;
const FETCH_TIMEOUT_MS = 5000;
const MIN_CACHE_SECONDS = 60;
const DEFAULT_CACHE_SECONDS = 3600;
const MAX_CACHE_SECONDS = 24 * 3600;

/**
 * True when `clientId` names a metadata document: an https URL with a path (section 3), or in
 * development (allowPrivateMetadataFetch) an http URL on a loopback host, for local testing.
 */
export function isMetadataDocumentClientId(clientId: string, config: Pick<AppConfig, "allowPrivateMetadataFetch">): boolean {
  if (!/^https?:\/\//i.test(clientId) || !URL.canParse(clientId)) return false;
  const url = new URL(clientId);
  if (url.protocol === "https:") return true;
  return config.allowPrivateMetadataFetch && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
}

/** Section 3: a path, no fragment, no userinfo, no dot segments. */
function checkClientIdUrl(clientId: string): void {
  const url = new URL(clientId);
  if (url.hash || clientId.includes("#")) throw new ClientMetadataError("client_id URL must not contain a fragment");
  if (url.username || url.password) throw new ClientMetadataError("client_id URL must not contain user information");
  if (url.pathname === "/" || !url.pathname) throw new ClientMetadataError("client_id URL must have a path");
  if (/(^|\/)\.\.?(\/|$)/.test(clientId.slice(url.origin.length))) throw new ClientMetadataError("client_id URL must not contain dot segments");
  if (clientId.length > 2048) throw new ClientMetadataError("client_id URL is too long");
}

function cacheSeconds(cacheControl: string | undefined): number {
  const maxAge = /(?:^|,)\s*max-age=(\d+)/i.exec(cacheControl ?? "");
  const seconds = maxAge ? Number(maxAge[1]) : DEFAULT_CACHE_SECONDS;
  return Math.min(MAX_CACHE_SECONDS, Math.max(MIN_CACHE_SECONDS, seconds));
}

async function fetchDocument(deps: Deps, clientId: string) {
  let res;
  try {
    res = await guardedFetch(clientId, {
      allowPrivate: deps.config.allowPrivateMetadataFetch,
      maxBytes: MAX_DOCUMENT_BYTES,
      timeoutMs: FETCH_TIMEOUT_MS,
    });
  } catch (err) {
    throw new ClientMetadataError(`client metadata document could not be fetched: ${err instanceof GuardedFetchError ? err.message : "network error"}`);
  }
  if (res.status !== 200) throw new ClientMetadataError(`client metadata document answered HTTP ${res.status}`);
  if (!/^application\/(?:[\w.+-]*\+)?json\b/i.test(res.headers["content-type"] ?? "")) {
    throw new ClientMetadataError("client metadata document is not served as application/json");
  }
  let doc: unknown;
  try {
    doc = JSON.parse(res.body);
  } catch {
    throw new ClientMetadataError("client metadata document is not valid JSON");
  }
  // Its fields are stored (PostgreSQL refuses U+0000 in text): same rule as a request body.
  if (jsonHasInvalidCharacters(doc)) throw new ClientMetadataError("client metadata document contains NUL or unpaired surrogate characters");
  return { doc, cacheFor: cacheSeconds(res.headers["cache-control"]) };
}

function validateDocument(doc: unknown, clientId: string) {
  if (!doc || typeof doc !== "object" || (doc as { client_id?: unknown }).client_id !== clientId) {
    throw new ClientMetadataError("client metadata document's client_id does not equal its URL");
  }
  const raw = { token_endpoint_auth_method: "none", grant_types: [GRANT_TYPES.authorizationCode, GRANT_TYPES.refreshToken], ...doc };
  try {
    // No shared secret can exist for a client nobody registered: none or private_key_jwt only.
    return validateClientMetadata(raw, { allowedAuthMethods: ["none", "private_key_jwt"] });
  } catch (err) {
    throw new ClientMetadataError(`client metadata document is invalid: ${err instanceof OAuthError ? err.description : "invalid"}`);
  }
}

/** The client for a metadata-document client_id, from cache or freshly fetched. */
export async function resolveMetadataDocumentClient(deps: Deps, clientId: string): Promise<ClientRecord | null> {
  const cached = await loadClient(deps.db, clientId);
  const now = deps.now();
  if (cached && (cached.kind !== "metadata_document" || (cached.cacheUntil && cached.cacheUntil > now))) return cached;
  if (cached?.revokedAt) return cached;
  checkClientIdUrl(clientId);
  const { doc, cacheFor } = await fetchDocument(deps, clientId);
  const metadata = validateDocument(doc, clientId);
  const cacheUntil = new Date(now.getTime() + cacheFor * 1000);
  return storeDocumentClient(deps, clientId, metadata, now, cacheUntil).catch(async (err) => {
    // Two first fetches raced and the other inserted first (primary key): use that row.
    if ((err as { code?: unknown })?.code === "P2002") return loadClient(deps.db, clientId);
    throw err;
  });
}

function storeDocumentClient(deps: Deps, clientId: string, metadata: ValidClientMetadata, now: Date, cacheUntil: Date) {
  return writeTransaction(deps.db, async (tx) => {
    const existing = await tx.client.findUnique({ where: { id: clientId } });
    const fields = { id: clientId, kind: "metadata_document" as const, metadata, createdAt: existing?.createdAt ?? now, fetchedAt: now, cacheUntil };
    if (!existing) return (await insertClient(tx, fields, { type: "agent", id: clientId })).client;
    const { createdAt: _created, verified: _verified, ...update } = clientRowData(fields, null);
    return toClientRecord(await tx.client.update({ where: { id: clientId }, data: update }));
  });
}
