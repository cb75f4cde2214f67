// grant_type=client_credentials (OAuth 2.1 section 4.2): a confidential client acting on its
// own behalf. No user, so no grant, no authorization_details, no refresh token (section 4.2.3);
// the scope is limited to what the client was registered for.
import type { ClientRecord } from "../clients/store";
import { OAuthError } from "../errors";
import { SCOPES } from "../supported";
import { prepareAccessToken } from "../tokens/access-token";
import { recordIssuance } from "../tokens/issuance-writer";
import { requireParam } from "./form";
import type { GrantContext } from "./grant-context";
import { tokenResponse } from "./issue";
import { checkKnownResource } from "./resource";
import { narrowScope } from "./scope";

function checkConfidential(client: ClientRecord): void {
  if (client.tokenEndpointAuthMethod === "none") {
    throw new OAuthError("unauthorized_client", "client_credentials is only for confidential clients");
  }
}

function allowedScope(client: ClientRecord): string {
  return client.scope ?? SCOPES.join(" ");
}

export async function clientCredentialsGrant(ctx: GrantContext): Promise<Response> {
  const { form, client, deps } = ctx;
  checkConfidential(client);
  if (form.has("authorization_details")) {
    throw new OAuthError("invalid_authorization_details", "authorization_details need a user's approval; client_credentials has none");
  }
  const resource = checkKnownResource(deps, requireParam(form, "resource"));
  const scope = narrowScope(form.get("scope"), allowedScope(client));
  const access = await prepareAccessToken(deps, { grant: null, clientId: client.id, resource, scope, authorizationDetails: [], dpopJkt: ctx.dpop?.jkt });
  // Committed with concurrent issuances in one transaction (tokens/issuance-writer.ts); the
  // answer waits for that commit, and a failed commit answers server_error (nothing stored).
  await recordIssuance(
    deps.db,
    access,
    {
      type: "token.issued",
      outcome: "success",
      actorType: client.kind === "service" ? "service" : "agent",
      actorId: client.id,
      clientId: client.id,
      details: { grant_type: "client_credentials", jti: access.jti, token_type: access.tokenType, expires_in: access.expiresIn, resource },
    },
    deps.now(),
  );
  return tokenResponse({ access_token: access.accessToken, token_type: access.tokenType, expires_in: access.expiresIn, scope });
}
