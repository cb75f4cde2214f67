// GET /api/grants/status?ids=a,b: the grant-status feed for resource servers that do not share
// the issuer's database. The MCP server and the messaging API do not call it: they read the
// grant's status from the shared database (lib/resource-server/grant-status.ts), which is how
// they see a revocation within one second. This feed is for other resource servers
// (docs/ciba.md, "Revoking") and the end-to-end tests. Only the MCP service client may ask
// (client_secret_basic): grant ids and their state are not for agents or browsers.
import type { Deps } from "../deps";
import { authenticateClient } from "./clients/authenticate";
import { OAuthError, oauthErrorResponse, oauthJsonResponse } from "./errors";
import { grantStatus, MAX_STATUS_IDS } from "../grants/status";

export const GRANT_STATUS_PATH = "/api/grants/status";

function parseIds(url: URL): string[] {
  const ids = url.searchParams
    .getAll("ids")
    .flatMap((v) => v.split(","))
    .map((s) => s.trim())
    .filter(Boolean);
  if (!ids.length) throw new OAuthError("invalid_request", "ids is required (comma-separated grant ids)");
  if (ids.length > MAX_STATUS_IDS) throw new OAuthError("invalid_request", `at most ${MAX_STATUS_IDS} ids per request`);
  if (ids.some((id) => id.length > 100)) throw new OAuthError("invalid_request", "malformed grant id");
  return ids;
}

export async function handleGrantStatus(req: Request, deps: Deps): Promise<Response> {
  try {
    if (!/^basic /i.test(req.headers.get("authorization") ?? "")) {
      throw new OAuthError("invalid_client", "authenticate as the MCP service client with HTTP Basic", {
        status: 401,
        headers: { "WWW-Authenticate": 'Basic realm="grant-status", charset="UTF-8"' },
      });
    }
    const client = await authenticateClient(req, new URLSearchParams(), deps);
    if (client.id !== deps.config.mcpClientId) throw new OAuthError("unauthorized_client", "only the MCP service client may read grant status", { status: 403 });
    const ids = parseIds(new URL(req.url));
    return oauthJsonResponse({ grants: await grantStatus(deps.db, ids, deps.now()) });
  } catch (err) {
    return oauthErrorResponse(err);
  }
}
