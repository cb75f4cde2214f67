// Every denial of the messaging API is audited before it is answered (every decision leaves an
// entry: docs/audit.md), whichever check made it: scope, recipient, quota, a grant no longer live. When the
// audit store cannot record the denial the answer is 503: nothing happens unrecorded.
import { appendAudit } from "../../audit/append";
import { writeTransaction } from "../../db";
import type { Authenticated } from "../../resource-server/authenticate";
import { scopeDenial, type MessagingDenial } from "../policy";
import type { MessagingApiContext } from "./context";
import { denialResponse, unavailable } from "./responses";

export function actorOf(auth: Authenticated) {
  // After token exchange the caller is the service named in `act` (RFC 8693 section 4.1).
  const act = auth.claims.act as { sub?: unknown } | undefined;
  return typeof act?.sub === "string" ? { type: "service" as const, id: act.sub } : { type: "agent" as const, id: auth.claims.client_id };
}

/** Audits the denial, then answers it. */
export async function deny(ctx: MessagingApiContext, auth: Authenticated, denial: MessagingDenial, operation: "send" | "read"): Promise<Response> {
  const actor = actorOf(auth);
  try {
    await writeTransaction(ctx.deps.db, (tx) =>
      appendAudit(
        tx,
        {
          type: "message.denied",
          outcome: "denied",
          actorType: actor.type,
          actorId: actor.id,
          subjectUserId: auth.claims.sub,
          clientId: auth.claims.client_id,
          grantId: auth.claims.grant_id,
          reason: denial.code,
          details: { limit: denial.limit, operation },
        },
        ctx.deps.now(),
      ),
    );
  } catch {
    return unavailable();
  }
  return denialResponse(ctx.resourceServer, denial, auth.scopes);
}

/** Null when the token has `scope`; otherwise the audited 403 insufficient_scope. */
export async function denyWithoutScope(ctx: MessagingApiContext, auth: Authenticated, scope: string, operation: "send" | "read"): Promise<Response | null> {
  const denial = scopeDenial(auth.scopes, scope);
  return denial ? deny(ctx, auth, denial, operation) : null;
}
