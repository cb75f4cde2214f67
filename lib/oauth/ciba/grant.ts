// The CIBA grant at the token endpoint (CIBA Core section 10.1, poll mode):
// grant_type=urn:openid:params:grant-type:ciba&auth_req_id=... from the client that made the
// backchannel request. Answers authorization_pending, slow_down, access_denied or
// expired_token until the user's approval turns into tokens, exactly once.
import { writeTransaction } from "../../db";
import type { Deps } from "../../deps";
import type { ClientRecord } from "../clients/store";
import { OAuthError } from "../errors";
import { GRANT_TYPES } from "../supported";
import { issueGrantTokens, tokenResponse } from "../token/issue";
import { hashHandle } from "../handles";
import { consumeRequest, pollOutOfBandRequest, type PollInput } from "./poll";
import { checkClientGrantType } from "../request-params";
import { checkCibaClient } from "./backchannel";

export interface OutOfBandGrantContext {
  form: URLSearchParams;
  client: ClientRecord;
  deps: Deps;
  dpop?: { jkt: string };
}

/** Shared by the CIBA and device code grants: poll, then issue tokens for an approved request. */
export async function redeemOutOfBandRequest(
  ctx: OutOfBandGrantContext,
  { flow, handleParam, grantType }: { flow: PollInput["flow"]; handleParam: string; grantType: string },
): Promise<Response> {
  const { form, client, deps } = ctx;
  checkClientGrantType(client, grantType);
  const handle = form.get(handleParam);
  if (!handle) throw new OAuthError("invalid_request", `${handleParam} is required`);
  if (handle.length > 200) throw new OAuthError("invalid_grant", `unknown ${handleParam}`);
  const now = deps.now();
  const outcome = await writeTransaction(deps.db, (tx) =>
    pollOutOfBandRequest(tx, { flow, handleHash: hashHandle(handle), clientId: client.id, now, dpopJkt: ctx.dpop?.jkt }),
  );
  if (outcome.kind === "error") throw outcome.error;
  const body = await issueGrantTokens(deps, {
    grant: outcome.grant,
    client,
    dpopJkt: ctx.dpop?.jkt,
    grantType,
    consume: (tx) => consumeRequest(tx, outcome.request.id, now),
    auditDetails: { flow, request_id: outcome.request.id },
  });
  return tokenResponse(body);
}

export async function handleCibaGrant(ctx: OutOfBandGrantContext): Promise<Response> {
  // A client whose CIBA an administrator disabled collects nothing more, pending approvals included.
  checkCibaClient(ctx.client);
  return redeemOutOfBandRequest(ctx, { flow: "ciba", handleParam: "auth_req_id", grantType: GRANT_TYPES.ciba });
}
