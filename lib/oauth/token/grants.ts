// The token endpoint's grant registry: grant_type -> handler. Each grant type lives in its own
// module; adding one is one line here (OAuth 2.1 section 3.2.2: unknown types are
// unsupported_grant_type, and so are the removed implicit and password grants).
import { GRANT_TYPES } from "../supported";
import { authorizationCodeGrant } from "./authorization-code";
import { clientCredentialsGrant } from "./client-credentials";
import { refreshTokenGrant } from "./refresh";
import { tokenExchangeGrant } from "./token-exchange";
import { handleCibaGrant } from "../ciba/grant";
import { handleDeviceCodeGrant } from "../device/grant";
import type { GrantHandler } from "./grant-context";

export const grantHandlers: Readonly<Record<string, GrantHandler>> = {
  [GRANT_TYPES.authorizationCode]: authorizationCodeGrant,
  [GRANT_TYPES.refreshToken]: refreshTokenGrant,
  [GRANT_TYPES.clientCredentials]: clientCredentialsGrant,
  [GRANT_TYPES.tokenExchange]: tokenExchangeGrant,
  [GRANT_TYPES.ciba]: handleCibaGrant,
  [GRANT_TYPES.deviceCode]: handleDeviceCodeGrant,
};

export function grantHandlerFor(grantType: string): GrantHandler | undefined {
  return Object.hasOwn(grantHandlers, grantType) ? grantHandlers[grantType] : undefined;
}
