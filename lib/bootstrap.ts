// What a fresh database needs before the processes serve requests: a signing key that can
// sign at once, and the MCP server's confidential client. Idempotent; runs on every start
// (after migrations) and is safe to run from several processes at once.
import type { Deps } from "./deps";
import { ensureServiceClient } from "./oauth/clients/service-client";
import { ensureSigningKeys } from "./oauth/keys";

export async function bootstrap(deps: Deps): Promise<void> {
  await ensureSigningKeys(deps);
  await ensureServiceClient(deps);
}
