// grant_type=urn:ietf:params:oauth:grant-type:token-exchange (RFC 8693), issuer side. The MCP
// server (a confidential client) trades the agent's access token for one to call the
// messaging API, so the agent's token never travels downstream (checklist 64; docs/architecture.md).
//
// - The subject token must be one of ours (signature, typ, issuer), unexpired, unrevoked,
//   for the MCP resource, and its grant live.
// - The result is for the messaging API only, never broader than the subject token (scope and
//   authorization_details may only narrow), never past the grant, and carries the agent's
//   grant_id so revoking the grant ends it too.
// - It never outlives the subject token either (exp <= the subject's exp), and it is recorded
//   with the subject's jti, so revoking the subject token (RFC 7009) revokes it too: a token
//   derived from a revoked or expired token must not keep working (RFC 8693 section 2.2.1
//   leaves the lifetime to the server; the derived token can be no better than its source).
// - act (section 4.1) names the MCP server, with the agent nested as the prior party.
// - Depth of delegation is bounded by the exchanging client's maxDelegationDepth.
// - A DPoP-bound subject token may be exchanged only by the service client: it checked the
//   agent's proof itself, and nobody else holding a copy of the token may turn it into a
//   bearer token.
import { writeTransaction, type Tx } from "../../db";
import { appendAudit } from "../../audit/append";
import { AuthorizationDetailsError, isWithin, parseMessagingDetails, type MessagingDetail } from "../../authorization-details";
import { getLiveGrant, grantedDetailsOf } from "../../grants";
import type { Deps } from "../../deps";
import type { ClientRecord } from "../clients/store";
import { OAuthError } from "../errors";
import { prepareAccessToken, recordAccessToken } from "../tokens/access-token";
import { delegationDepth, type ActClaim } from "../tokens/claims";
import { verifyOwnAccessToken, type OwnAccessToken } from "../tokens/verify";
import { requireParam } from "./form";
import type { GrantContext } from "./grant-context";
import { lockLiveGrant, tokenResponse } from "./issue";
import { narrowDetailsParam, narrowScope } from "./scope";

export const ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";

// RFC 8693 section 2.2.2: an unacceptable subject token is invalid_request.
const badSubject = (description: string) => new OAuthError("invalid_request", description);

function checkTokenTypes(form: URLSearchParams): void {
  if (requireParam(form, "subject_token_type") !== ACCESS_TOKEN_TYPE) {
    throw new OAuthError("invalid_request", `subject_token_type must be ${ACCESS_TOKEN_TYPE}`);
  }
  const requested = form.get("requested_token_type");
  if (requested !== null && requested !== ACCESS_TOKEN_TYPE) {
    throw new OAuthError("invalid_request", `only ${ACCESS_TOKEN_TYPE} can be requested`);
  }
  // The actor is the authenticated client itself; a separate actor token is not supported.
  if (form.has("actor_token") || form.has("actor_token_type")) throw new OAuthError("invalid_request", "actor_token is not supported");
}

/** resource and audience (section 2.1) may only name the messaging API; absent, it is implied. */
function exchangeTarget(deps: Deps, form: URLSearchParams): string {
  const target = deps.config.messagingResourceUrl;
  for (const name of ["resource", "audience"]) {
    const value = form.get(name);
    if (value !== null && value !== target) throw new OAuthError("invalid_target", `${name} must be the messaging API (${target})`);
  }
  return target;
}

type Subject = OwnAccessToken & { grant_id: string; client_id: string; jti: string; exp: number };

async function verifySubject(deps: Deps, token: string): Promise<Subject> {
  const claims = await verifyOwnAccessToken(deps, token);
  if (!claims) throw badSubject("subject_token is not a valid, unexpired access token from this issuer");
  // Only tokens meant for the MCP server: it exchanges what it received, nothing else.
  if (claims.aud !== deps.config.mcpResourceUrl) throw badSubject("subject_token was not issued for the MCP server");
  if (typeof claims.grant_id !== "string" || typeof claims.client_id !== "string") throw badSubject("subject_token has no grant");
  const issued = await deps.db.issuedToken.findUnique({ where: { jti: claims.jti! } });
  if (!issued || issued.revokedAt) throw badSubject("subject_token was revoked");
  return claims as Subject;
}

/**
 * Locks the subject token's row for the rest of the transaction, and fails when it was
 * revoked meanwhile. A concurrent revocation either committed first (seen here) or waits for
 * this transaction, and then its revocation of derived tokens sees the one recorded here.
 */
async function lockLiveSubject(tx: Tx, jti: string): Promise<void> {
  const live = await tx.$executeRaw`UPDATE "IssuedToken" SET "revokedAt" = "revokedAt" WHERE "jti" = ${jti} AND "revokedAt" IS NULL`;
  if (live !== 1) throw badSubject("subject_token was revoked");
}

function checkBoundSubject(subject: OwnAccessToken, client: ClientRecord): void {
  if (subject.cnf?.jkt && client.kind !== "service") throw badSubject("a DPoP-bound subject_token can only be exchanged by the service client");
}

/** The act claim of the new token, or invalid_request when it would nest too deep. */
function actFor(subject: OwnAccessToken & { client_id: string }, client: ClientRecord): ActClaim {
  const prior = (subject.act as ActClaim | undefined) ?? { sub: subject.client_id };
  const act: ActClaim = { sub: client.id, act: prior };
  if (delegationDepth(act) > client.maxDelegationDepth) {
    throw badSubject(`delegation depth ${delegationDepth(act)} exceeds the allowed ${client.maxDelegationDepth}`);
  }
  return act;
}

function subjectDetails(subject: OwnAccessToken, grantDetails: MessagingDetail[]): MessagingDetail[] {
  let details: MessagingDetail[];
  try {
    details = parseMessagingDetails(subject.authorization_details ?? [], { requireRecipients: true });
  } catch (err) {
    if (err instanceof AuthorizationDetailsError) throw badSubject("subject_token has invalid authorization_details");
    throw err;
  }
  // Never broader than the agent's grant, whatever the subject token says.
  if (!isWithin(details, grantDetails)) throw badSubject("subject_token exceeds its grant");
  return details;
}

export async function tokenExchangeGrant(ctx: GrantContext): Promise<Response> {
  const { form, client, deps } = ctx;
  checkTokenTypes(form);
  const resource = exchangeTarget(deps, form);
  const subject = await verifySubject(deps, requireParam(form, "subject_token"));
  checkBoundSubject(subject, client);
  const act = actFor(subject, client);
  const now = deps.now();
  const grant = await getLiveGrant(deps.db, subject.grant_id, now);
  if (!grant) throw badSubject("the grant behind subject_token is no longer active");
  const scope = narrowScope(form.get("scope"), typeof subject.scope === "string" ? subject.scope : "");
  const details = narrowDetailsParam(form.get("authorization_details"), subjectDetails(subject, grantedDetailsOf(grant)));
  const access = await prepareAccessToken(deps, {
    grant,
    clientId: client.id,
    resource,
    scope,
    authorizationDetails: details,
    dpopJkt: ctx.dpop?.jkt,
    act,
    subject: { jti: subject.jti, expiresAt: new Date(subject.exp * 1000) },
  });
  await writeTransaction(deps.db, async (tx) => {
    await lockLiveGrant(tx, grant.id, now);
    await lockLiveSubject(tx, subject.jti);
    await recordAccessToken(tx, access);
    await appendAudit(
      tx,
      {
        type: "token.exchanged",
        outcome: "success",
        actorType: client.kind === "service" ? "service" : "agent",
        actorId: client.id,
        subjectUserId: grant.userId,
        clientId: grant.clientId,
        grantId: grant.id,
        details: { jti: access.jti, subject_jti: subject.jti, audience: resource, scope, expires_in: access.expiresIn, delegation_depth: delegationDepth(act) },
      },
      now,
    );
  });
  return tokenResponse({
    access_token: access.accessToken,
    issued_token_type: ACCESS_TOKEN_TYPE,
    token_type: access.tokenType,
    expires_in: access.expiresIn,
    scope,
    authorization_details: details,
  });
}
