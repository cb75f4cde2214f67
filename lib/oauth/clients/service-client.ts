// The MCP server's own confidential client at the issuer: it authenticates with
// client_secret_basic (secret from configuration) and may only exchange tokens (RFC 8693).
// Called at startup; keeps the stored hash in step with the configured secret.
import { writeTransaction } from "../../db";
import type { Deps } from "../../deps";
import { GRANT_TYPES } from "../supported";
import { insertClient } from "./create";
import { forgetCachedClientsOnCommit } from "./cache";
import { hashClientSecret, secretMatches } from "./secrets";
import { loadClient, type ClientRecord } from "./store";
import { validateClientMetadata } from "./validate-metadata";

export async function ensureServiceClient(deps: Deps): Promise<ClientRecord> {
  const { mcpClientId: id, mcpClientSecret: secret } = deps.config;
  const existing = await loadClient(deps.db, id);
  if (existing && existing.kind === "service" && secretMatches(secret, existing.secretHash)) return existing;
  if (existing && existing.kind !== "service") {
    throw new Error(`client id ${id} (MCP_CLIENT_ID) is already used by a ${existing.kind} client`);
  }
  const metadata = validateClientMetadata(
    {
      client_name: "MCP server",
      token_endpoint_auth_method: "client_secret_basic",
      grant_types: [GRANT_TYPES.tokenExchange],
      redirect_uris: [],
    },
    { allowedGrantTypes: [GRANT_TYPES.tokenExchange] },
  );
  return writeTransaction(deps.db, async (tx) => {
    const row = await tx.client.findUnique({ where: { id } });
    if (row) {
      // The configured secret changed: the configuration is the source of truth. (A revoked
      // service client stays revoked: a restart must not undo an administrator's decision.)
      await tx.client.update({ where: { id }, data: { secretHash: hashClientSecret(secret) } });
      forgetCachedClientsOnCommit(tx);
      return (await loadClient(tx, id))!;
    }
    return (await insertClient(tx, { id, kind: "service", metadata, secret, verified: true, createdAt: deps.now() }, { type: "system" })).client;
  });
}
