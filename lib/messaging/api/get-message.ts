// GET /api/messages/{id}: a message's status, for a token with messages:read under the grant
// the message was sent under (another grant's message is 404, never 403: ids do not leak).
import { hasInvalidCharacters } from "../../http/text";
import { readGrantStatus } from "../../resource-server/grant-status";
import type { Authenticated } from "../../resource-server/authenticate";
import { denialForGrantReason, SCOPE_READ } from "../policy";
import { messageView } from "../send";
import type { MessagingApiContext } from "./context";
import { deny, denyWithoutScope } from "./denials";
import { jsonError, unavailable } from "./responses";

export async function handleGetMessage(req: Request, ctx: MessagingApiContext, id: string): Promise<Response> {
  const rs = ctx.resourceServer;
  let auth: Authenticated;
  try {
    auth = await rs.authenticate(req, `${ctx.deps.config.messagingResourceUrl}/${encodeURIComponent(id)}`);
  } catch (err) {
    return rs.errorResponse(err);
  }
  const scopeDenied = await denyWithoutScope(ctx, auth, SCOPE_READ, "read");
  if (scopeDenied) return scopeDenied;
  try {
    const status = await readGrantStatus(ctx.deps.db, auth.claims.grant_id, auth.claims.jti, ctx.deps.now());
    if (!status.live) return await deny(ctx, auth, denialForGrantReason(status.reason), "read");
    const message = id.length <= 64 && !hasInvalidCharacters(id) ? await ctx.deps.db.message.findUnique({ where: { id } }) : null;
    if (!message || message.grantId !== status.rootGrantId) return jsonError(404, "not_found", "No such message under this grant.");
    return Response.json(messageView(message), { headers: { "Cache-Control": "no-store" } });
  } catch {
    return unavailable();
  }
}
