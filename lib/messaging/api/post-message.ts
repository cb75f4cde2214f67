// POST /api/messages { to, body } with Idempotency-Key: sends one message under the caller's
// grant. The authorization details are enforced again here (the MCP server checked them too):
// scope messages:send, the recipient among the granted ones, the grant live, the quota taken
// atomically. Denials are 403 with a machine-readable code naming the limit, and audited.
import type { Authenticated } from "../../resource-server/authenticate";
import { checkBody, checkRecipient, MessagingDenial, SCOPE_SEND } from "../policy";
import { messageView, sendMessage } from "../send";
import type { MessagingApiContext } from "./context";
import { actorOf, deny, denyWithoutScope } from "./denials";
import { jsonError, readJson, unavailable } from "./responses";
import { errorMessage } from "../../error-message";

const IDEMPOTENCY_KEY = /^[\x21-\x7E]{1,200}$/;

export async function handlePostMessage(req: Request, ctx: MessagingApiContext): Promise<Response> {
  const rs = ctx.resourceServer;
  let auth: Authenticated;
  try {
    auth = await rs.authenticate(req, ctx.deps.config.messagingResourceUrl);
  } catch (err) {
    return rs.errorResponse(err);
  }
  const scopeDenied = await denyWithoutScope(ctx, auth, SCOPE_SEND, "send");
  if (scopeDenied) return scopeDenied;
  const key = req.headers.get("idempotency-key") ?? undefined;
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) return jsonError(400, "invalid_request", "Idempotency-Key must be 1-200 visible ASCII characters.");
  const parsed = await readJson(req);
  if (parsed instanceof Response) return parsed;
  const input = parsed as { to?: unknown; body?: unknown };
  try {
    const recipient = checkRecipient(input.to, auth.claims.authorization_details);
    const body = checkBody(input.body);
    const { message, replayed } = await sendMessage(ctx.deps, ctx.provider, {
      grantId: auth.claims.grant_id,
      jti: auth.claims.jti,
      recipient,
      body,
      idempotencyKey: key,
      actor: actorOf(auth),
    }, { grants: ctx.grants, recordOutcome: ctx.recordOutcome });
    return Response.json(messageView(message), {
      status: replayed ? 200 : 201,
      headers: { "Cache-Control": "no-store", ...(replayed ? { "Idempotent-Replayed": "true" } : {}) },
    });
  } catch (err) {
    if (err instanceof MessagingDenial) return deny(ctx, auth, err, "send");
    // The database (and with it the audit store) is unreachable: fail closed, nothing was sent.
    console.error(`messaging api: send failed: ${errorMessage(err)}`);
    return unavailable();
  }
}
