// `npm run admin -- create-client`: a pre-registered client, vouched for by the operator (so
// the consent page does not flag it as unverified). Its secret is printed once and stored
// only as a hash. Audited as client.registered by the admin CLI.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { writeTransaction } from "../db";
import { insertClient } from "../oauth/clients/create";
import { loadClient } from "../oauth/clients/store";
import { validateClientMetadata } from "../oauth/clients/validate-metadata";
import { OAuthError } from "../oauth/errors";
import { ALL_GRANT_TYPES, GRANT_TYPES } from "../oauth/supported";
import { parseArgs, UsageError, type AdminCommand } from "./command";
import { errorMessage } from "../error-message";

const list = (value: string | undefined) => (value ? value.split(",").map((s) => s.trim()).filter(Boolean) : undefined);

function readJwks(path: string | undefined): unknown {
  if (!path) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new UsageError(`--jwks-file: cannot read a JSON key set from ${path} (${errorMessage(err)}).`);
  }
}

export const createClientCommand: AdminCommand = {
  name: "create-client",
  usage:
    "<name> [--redirect-uris <uri,uri>] [--auth none|client_secret_basic|client_secret_post|private_key_jwt] " +
    "[--grant-types <a,b>] [--scope <scopes>] [--jwks-file <path>] [--id <client_id>] [--unverified yes]",
  summary: "Register a client ahead of time. Prints its client_id and, for a confidential client, its secret (shown once).",
  async run(args, deps) {
    const { positional, flags } = parseArgs(args, 1, ["redirect-uris", "auth", "grant-types", "scope", "jwks-file", "id", "unverified"]);
    const grantTypes = list(flags["grant-types"]) ?? [GRANT_TYPES.authorizationCode, GRANT_TYPES.refreshToken];
    let metadata;
    try {
      metadata = validateClientMetadata(
        {
          client_name: positional[0],
          redirect_uris: list(flags["redirect-uris"]) ?? [],
          token_endpoint_auth_method: flags.auth ?? "client_secret_basic",
          grant_types: grantTypes,
          scope: flags.scope,
          jwks: readJwks(flags["jwks-file"]),
        },
        { allowedGrantTypes: ALL_GRANT_TYPES },
      );
    } catch (err) {
      if (err instanceof OAuthError) throw new UsageError(err.description ?? err.code);
      throw err;
    }
    const id = flags.id ?? randomBytes(16).toString("base64url");
    if (!/^[\x21-\x7e]{1,200}$/.test(id)) throw new UsageError("--id must be 1-200 visible ASCII characters.");
    if (await loadClient(deps.db, id)) throw new Error(`a client with id ${id} already exists`);
    const verified = flags.unverified !== "yes";
    const { client, secret } = await writeTransaction(deps.db, (tx) =>
      insertClient(tx, { id, kind: "preregistered", metadata, verified, createdAt: deps.now() }, { type: "system", id: "admin-cli" }),
    );
    const lines = [
      `Created client "${metadata.client_name}".`,
      `client_id: ${client.id}`,
      `token_endpoint_auth_method: ${metadata.token_endpoint_auth_method}`,
      `grant_types: ${metadata.grant_types.join(" ")}`,
    ];
    if (metadata.redirect_uris.length) lines.push(`redirect_uris: ${metadata.redirect_uris.join(" ")}`);
    if (secret) lines.push(`client_secret: ${secret}`, "Store the secret now: it is not shown again and only its hash is kept.");
    return lines.join("\n");
  },
};
