// A grant is the first-class record of what a user allowed one agent to do: the user, the
// client, the resource, the scopes, the authorization details as asked and as granted, when
// it ends, each entry's message budget (entries.ts) and how it came to be. Every token
// carries its id (grant_id) and none outlives it.
import type { Tx } from "../db";
import type { Grant } from "../generated/sqlite/client";
import { type MessagingDetail, parseMessagingDetails, parseStoredDetails } from "../authorization-details";
import { entryRowsFor } from "./entries";

export type GrantCreatedVia = "code" | "ciba" | "device" | "exchange" | "client_credentials";

export interface CreateGrantInput {
  userId: string;
  clientId: string;
  resource: string;
  scope: string;
  requestedDetails: MessagingDetail[];
  grantedDetails: MessagingDetail[];
  expiresAt: Date;
  createdVia: GrantCreatedVia;
  requestId?: string | null;
  dpopJkt?: string | null;
  parentGrantId?: string | null;
}

export class GrantInputError extends Error {
  override name = "GrantInputError";
}

/** Granted details must be complete: a grant without recipients would mean "anyone". */
function checkGrantedDetails(details: MessagingDetail[]): MessagingDetail[] {
  return parseMessagingDetails(details, { requireRecipients: true });
}

function checkExpiry(expiresAt: Date): void {
  if (!(expiresAt instanceof Date) || Number.isNaN(expiresAt.getTime())) throw new GrantInputError("grant expiry must be a valid date");
}

/**
 * Creates an active grant inside the caller's write transaction, with one message budget per
 * granted entry (GrantEntry; none spent yet).
 */
export async function createGrant(tx: Tx, input: CreateGrantInput): Promise<Grant> {
  const granted = checkGrantedDetails(input.grantedDetails);
  checkExpiry(input.expiresAt);
  return tx.grant.create({
    data: {
      userId: input.userId,
      clientId: input.clientId,
      resource: input.resource,
      scope: input.scope,
      authorizationDetails: JSON.stringify(granted),
      requestedAuthorizationDetails: JSON.stringify(input.requestedDetails),
      expiresAt: input.expiresAt,
      status: "active",
      createdVia: input.createdVia,
      requestId: input.requestId ?? null,
      dpopJkt: input.dpopJkt ?? null,
      parentGrantId: input.parentGrantId ?? null,
      entries: { create: entryRowsFor(granted) },
    },
  });
}

/** The granted details of a grant row, parsed with the one typed definition. */
export function grantedDetailsOf(grant: Pick<Grant, "authorizationDetails">): MessagingDetail[] {
  return parseStoredDetails(grant.authorizationDetails);
}
