// Who may present a refresh token: the client it was issued to (RFC 6749 section 6,
// checklist 42) and, for a DPoP-bound token, a proof by the same key (RFC 9449 section 5,
// checklist 43). Checked before anything else, live or rotated token alike.
//
// A presentation by anyone else is refused and recorded as a security event, and the grant
// is left alone: the token string is useless without the client's credentials or the key, and
// revoking here would let anyone who saw a leaked token string switch off its owner's grant.
import { appendAudit } from "../../audit/append";
import { writeTransaction } from "../../db";
import type { Deps } from "../../deps";
import type { ClientRecord } from "../clients/store";
import { OAuthError } from "../errors";
import type { RefreshTokenRow } from "../tokens/refresh-token";

function mismatch(row: RefreshTokenRow, client: ClientRecord, jkt: string | undefined): { reason: string; description: string } | null {
  if (row.clientId !== client.id) return { reason: "refresh token presented by another client", description: "The refresh token is invalid." };
  if (row.dpopJkt && !jkt) return { reason: "DPoP-bound refresh token presented without a DPoP proof", description: "The refresh token is bound to a DPoP key." };
  if (row.dpopJkt && row.dpopJkt !== jkt) return { reason: "DPoP-bound refresh token presented with another key", description: "The refresh token is bound to another DPoP key." };
  return null;
}

/** Throws `invalid_grant` (after auditing it) unless this client, with this key, may present the token. */
export async function checkRefreshPresenter(deps: Deps, row: RefreshTokenRow, client: ClientRecord, jkt: string | undefined): Promise<void> {
  const found = mismatch(row, client, jkt);
  if (!found) return;
  const now = deps.now();
  await writeTransaction(deps.db, async (tx) => {
    const grant = await tx.grant.findUnique({ where: { id: row.grantId }, select: { userId: true } });
    await appendAudit(
      tx,
      {
        type: "token.refresh_binding_mismatch",
        outcome: "denied",
        actorType: "agent",
        actorId: client.id,
        subjectUserId: grant?.userId ?? null,
        clientId: client.id,
        grantId: row.grantId,
        reason: found.reason,
        details: { refresh_token_id: row.id, owner_client_id: row.clientId, rotated: Boolean(row.rotatedAt), grant_revoked: false },
      },
      now,
    );
  });
  throw new OAuthError("invalid_grant", found.description);
}
