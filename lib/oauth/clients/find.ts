// The one client lookup of the OAuth endpoints: a stored client, or a Client ID Metadata Document
// (an https URL as client_id) fetched and cached on demand.
import type { Deps } from "../../deps";
import { isMetadataDocumentClientId, resolveMetadataDocumentClient } from "./metadata-document";
import { loadClient, type ClientRecord } from "./store";

/**
 * The client named by `clientId`, or null when there is none (or it was revoked).
 * A metadata-document client (https URL) is fetched when not cached or stale; fetch and
 * validation failures throw ClientMetadataError with a reason fit for an error page.
 */
export async function findClient(deps: Deps, clientId: string): Promise<ClientRecord | null> {
  const client = isMetadataDocumentClientId(clientId, deps.config) ? await resolveMetadataDocumentClient(deps, clientId) : await loadClient(deps.db, clientId);
  return client && !client.revokedAt ? client : null;
}
