// What this authorization server supports, in one place: the metadata document (RFC 8414),
// client registration and the authorization endpoint all read these lists.
export const SCOPES = ["messages:send", "messages:read"] as const;
export type Scope = (typeof SCOPES)[number];

export const GRANT_TYPES = {
  authorizationCode: "authorization_code",
  refreshToken: "refresh_token",
  clientCredentials: "client_credentials",
  tokenExchange: "urn:ietf:params:oauth:grant-type:token-exchange",
  ciba: "urn:openid:params:grant-type:ciba",
  deviceCode: "urn:ietf:params:oauth:grant-type:device_code",
} as const;
export const ALL_GRANT_TYPES = Object.values(GRANT_TYPES);

/** Grant types a client may register for itself (RFC 7591 / metadata documents). */
export const SELF_REGISTRABLE_GRANT_TYPES: string[] = [
  GRANT_TYPES.authorizationCode,
  GRANT_TYPES.refreshToken,
  GRANT_TYPES.ciba,
  GRANT_TYPES.deviceCode,
];

export const TOKEN_ENDPOINT_AUTH_METHODS = ["none", "client_secret_basic", "client_secret_post", "private_key_jwt"] as const;
/** Algorithms accepted for private_key_jwt client assertions (RFC 7523): asymmetric only. */
export const CLIENT_ASSERTION_ALGS = ["ES256", "ES384", "PS256", "RS256", "EdDSA"];
export const AUTHORIZATION_DETAILS_TYPES = ["messaging"];
export const CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
