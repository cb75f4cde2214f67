// POST /api/messages { to, body } with Idempotency-Key: sends one message under the caller's
// grant. The authorization details are enforced again here (the MCP server checked them too):
// scope messages:send, the recipient among the granted ones, the grant live, the quota taken
// atomically. Denials are 403 with a machine-readable code naming the limit, and audited.
import { appendAudit } from "../../audit/append";
import { writeTransaction } from "../../db";
import type { Authenticated } from "../../resource-server/authenticate";
import { checkBody, checkRecipient, checkScope, MessagingDenial, SCOPE_SEND } from "../policy";
import { messageView, sendMessage } from "../send";
import type { MessagingApiContext } from "./context";
import { denialResponse, jsonError, readJson, unavailable } from "./responses";

const IDEMPOTENCY_KEY = /^[\x21-\x7E]{1,200}$/;

function actorOf(auth: Authenticated) {
  // After token exchange the caller is the service named in `act` (RFC 8693 section 4.1).
  const act = auth.claims.act as { sub?: unknown } | undefined;
  return typeof act?.sub === "string" ? { type: "service" as const, id: act.sub } : { type: "agent" as const, id: auth.claims.client_id };
}

export async function handlePostMessage(req: Request, ctx: MessagingApiContext): Promise<Response> {
  const rs = ctx.resourceServer;
  let auth: Authenticated;
  try {
    auth = await rs.authenticate(req, ctx.deps.config.messagingResourceUrl);
  } catch (err) {
    return rs.errorResponse(err);
  }
  if (!auth.scopes.includes(SCOPE_SEND)) return rs.insufficientScope([SCOPE_SEND], auth.scopes, "Sending needs the messages:send scope.");
  const key = req.headers.get("idempotency-key") ?? undefined;
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) return jsonError(400, "invalid_request", "Idempotency-Key must be 1-200 visible ASCII characters.");
  const parsed = await readJson(req);
  if (parsed instanceof Response) return parsed;
  const input = parsed as { to?: unknown; body?: unknown };
  try {
    checkScope(auth.scopes, SCOPE_SEND);
    const recipient = checkRecipient(input.to, auth.claims.authorization_details);
    const body = checkBody(input.body);
    const { message, replayed } = await sendMessage(ctx.deps, ctx.provider, {
      grantId: auth.claims.grant_id,
      jti: auth.claims.jti,
      recipient,
      body,
      idempotencyKey: key,
      actor: actorOf(auth),
    });
    return Response.json(messageView(message), {
      status: replayed ? 200 : 201,
      headers: { "Cache-Control": "no-store", ...(replayed ? { "Idempotent-Replayed": "true" } : {}) },
    });
  } catch (err) {
    if (err instanceof MessagingDenial) {
      const audited = await auditDenial(ctx, auth, err);
      return audited ? denialResponse(rs, err) : unavailable();
    }
    // The database (and with it the audit store) is unreachable: fail closed, nothing was sent.
    console.error(`messaging api: send failed: ${err instanceof Error ? err.message : "unknown error"}`);
    return unavailable();
  }
}

async function auditDenial(ctx: MessagingApiContext, auth: Authenticated, denial: MessagingDenial): Promise<boolean> {
  try {
    await writeTransaction(ctx.deps.db, (tx) =>
      appendAudit(tx, {
        type: "message.denied",
        outcome: "denied",
        actorType: actorOf(auth).type,
        actorId: actorOf(auth).id,
        subjectUserId: auth.claims.sub,
        clientId: auth.claims.client_id,
        grantId: auth.claims.grant_id,
        reason: denial.code,
        details: { limit: denial.limit },
      }, ctx.deps.now()),
    );
    return true;
  } catch {
    return false;
  }
}
