// grant_type=authorization_code (OAuth 2.1 section 4.1.3). The checks run in order, each a
// small function; the code is consumed only by a request that passes them all, inside the
// transaction that records the tokens, so of two concurrent redemptions exactly one wins.
import type { Deps } from "../../deps";
import { appendAudit } from "../../audit/append";
import { getLiveGrant } from "../../grants";
import type { ClientRecord } from "../clients/store";
import { OAuthError } from "../errors";
import { requireParam } from "./form";
import type { GrantContext } from "./grant-context";
import { hashHandle } from "../handles";
import { issueGrantTokens, tokenResponse } from "./issue";
import { revokeForSpentCredential } from "./replay";
import { checkPkce, checkVerifierFormat } from "./pkce";

type CodeRow = NonNullable<Awaited<ReturnType<Deps["db"]["authorizationCode"]["findUnique"]>>>;

/** Codes are stored only as SHA-256 hashes (hex), like every other handle given to clients. */
export function hashAuthorizationCode(code: string): string {
  return hashHandle(code);
}

class CodeAlreadyUsed extends Error {}

const invalidGrant = (description: string) => new OAuthError("invalid_grant", description);

/** A code belongs to the client it was issued to; another client learns nothing and burns nothing. */
function checkCodeClient(row: CodeRow, client: ClientRecord): void {
  if (row.clientId !== client.id) throw invalidGrant("The authorization code is invalid.");
}

function checkCodeExpiry(row: CodeRow, now: Date): void {
  if (row.expiresAt <= now) throw invalidGrant("The authorization code has expired.");
}

/**
 * OAuth 2.1 section 4.1.3: redirect_uri must be identical to the authorization request's.
 * It may be left out only where the request could leave it out: one registered URI.
 */
function checkRedirectUri(row: CodeRow, given: string | null, client: ClientRecord): void {
  if (given === null) {
    if (client.redirectUris.length === 1 && client.redirectUris[0] === row.redirectUri) return;
    throw new OAuthError("invalid_request", "redirect_uri is required");
  }
  if (given !== row.redirectUri) throw invalidGrant("redirect_uri does not match the authorization request");
}

/** RFC 8707 section 2.2: the token's resource is the authorized one; another is invalid_target. */
function checkCodeResource(row: CodeRow, given: string | null): void {
  if (given !== null && given !== row.resource) throw new OAuthError("invalid_target", "resource does not match the authorization request");
}

/** RFC 9449 section 10: a code bound with dpop_jkt is redeemable only with that key. */
function checkCodeDpopBinding(row: CodeRow, jkt: string | undefined): void {
  if (row.dpopJkt && row.dpopJkt !== jkt) throw invalidGrant("the DPoP key does not match the one bound at authorization (dpop_jkt)");
}

/**
 * A used code presented again. RFC 6749 section 4.1.2 (and RFC 9700 section 4.2.4) say the
 * server SHOULD then revoke what the code produced, because the code leaked. The rule here:
 * the replay revokes the grant (with every token, so the first access token stops working at
 * the resource servers too) only when it passes every check the first redemption had to pass:
 * the client's authentication (done before this handler), the PKCE code_verifier and the key
 * bound with dpop_jkt. Such a replay proves that the code's secrets leaked, or that the client
 * raced itself; either way the grant is no longer safe.
 *
 * A replay that fails those checks is only invalid_grant and revokes nothing. A spent code
 * alone is not a secret worth much: it shows up in browser history, logs and Referer headers
 * (RFC 9700 section 4.2), and PKCE exists so that holding it is not enough. If a bare code
 * could revoke the grant, anyone who saw a public client's redirect could end the user's
 * grant at will.
 */
async function rejectReplay(deps: Deps, row: CodeRow, client: ClientRecord, proof: { verifier: string | null; dpopJkt: string | undefined }): Promise<never> {
  checkPkce(row.codeChallenge, proof.verifier);
  checkCodeDpopBinding(row, proof.dpopJkt);
  await revokeForSpentCredential(deps, client, {
    grantId: row.grantId,
    event: "code.replayed",
    reason: "authorization code presented again",
    revokedBecause: "authorization code replayed",
  });
  throw invalidGrant("The authorization code was already used.");
}

export async function authorizationCodeGrant(ctx: GrantContext): Promise<Response> {
  const { form, client, deps } = ctx;
  const code = requireParam(form, "code");
  const verifier = form.get("code_verifier");
  checkVerifierFormat(verifier);
  const row = code.length <= 512 ? await deps.db.authorizationCode.findUnique({ where: { codeHash: hashAuthorizationCode(code) } }) : null;
  if (!row) throw invalidGrant("The authorization code is invalid.");
  checkCodeClient(row, client);
  const proof = { verifier, dpopJkt: ctx.dpop?.jkt };
  if (row.usedAt) return rejectReplay(deps, row, client, proof);
  const now = deps.now();
  checkCodeExpiry(row, now);
  checkRedirectUri(row, form.get("redirect_uri"), client);
  checkPkce(row.codeChallenge, verifier);
  checkCodeResource(row, form.get("resource"));
  checkCodeDpopBinding(row, ctx.dpop?.jkt);
  const grant = await getLiveGrant(deps.db, row.grantId, now);
  if (!grant) throw invalidGrant("The grant behind this authorization code is no longer active.");
  try {
    const body = await issueGrantTokens(deps, {
      grant,
      client,
      dpopJkt: ctx.dpop?.jkt,
      grantType: "authorization_code",
      async consume(tx) {
        const used = await tx.authorizationCode.updateMany({ where: { codeHash: row.codeHash, usedAt: null }, data: { usedAt: now } });
        if (used.count !== 1) throw new CodeAlreadyUsed();
        await appendAudit(
          tx,
          { type: "code.redeemed", outcome: "success", actorType: "agent", actorId: client.id, subjectUserId: grant.userId, clientId: client.id, grantId: grant.id },
          now,
        );
      },
    });
    return tokenResponse(body);
  } catch (err) {
    // Lost the race to a concurrent redemption: that is a second use like any other.
    if (err instanceof CodeAlreadyUsed) return rejectReplay(deps, row, client, proof);
    throw err;
  }
}
