// Authorization server metadata (RFC 8414 section 2). Every URL is built from the configured
// issuer, never from the request's Host header (RFC 8414 section 3.3: `issuer` must be exactly
// the issuer identifier). No OpenID discovery document: this server issues no ID tokens.
import type { AppConfig } from "../config";
import { ACCESS_TOKEN_SIGNING_ALG } from "../contracts/access-token";
import { DPOP_SIGNING_ALGS } from "./dpop/proof";
import { ALL_GRANT_TYPES, AUTHORIZATION_DETAILS_TYPES, CLIENT_ASSERTION_ALGS, SCOPES, TOKEN_ENDPOINT_AUTH_METHODS } from "./supported";

export const ENDPOINT_PATHS = {
  authorization: "/oauth/authorize",
  token: "/oauth/token",
  jwks: "/oauth/jwks",
  registration: "/oauth/register",
  revocation: "/oauth/revoke",
  introspection: "/oauth/introspect",
  par: "/oauth/par",
  backchannel: "/oauth/backchannel",
  deviceAuthorization: "/oauth/device_authorization",
} as const;

export function endpointUrl(config: Pick<AppConfig, "issuerUrl">, path: string): string {
  return `${config.issuerUrl}${path}`;
}

export function authorizationServerMetadata(config: AppConfig): Record<string, unknown> {
  const url = (path: string) => endpointUrl(config, path);
  const authMethods = [...TOKEN_ENDPOINT_AUTH_METHODS];
  const signingAlgs = CLIENT_ASSERTION_ALGS;
  return {
    issuer: config.issuerUrl,
    authorization_endpoint: url(ENDPOINT_PATHS.authorization),
    token_endpoint: url(ENDPOINT_PATHS.token),
    jwks_uri: url(ENDPOINT_PATHS.jwks),
    registration_endpoint: url(ENDPOINT_PATHS.registration),
    revocation_endpoint: url(ENDPOINT_PATHS.revocation),
    introspection_endpoint: url(ENDPOINT_PATHS.introspection),
    pushed_authorization_request_endpoint: url(ENDPOINT_PATHS.par),
    backchannel_authentication_endpoint: url(ENDPOINT_PATHS.backchannel),
    device_authorization_endpoint: url(ENDPOINT_PATHS.deviceAuthorization),
    scopes_supported: [...SCOPES],
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    grant_types_supported: [...ALL_GRANT_TYPES],
    code_challenge_methods_supported: ["S256"],
    token_endpoint_auth_methods_supported: authMethods,
    token_endpoint_auth_signing_alg_values_supported: signingAlgs,
    revocation_endpoint_auth_methods_supported: authMethods,
    revocation_endpoint_auth_signing_alg_values_supported: signingAlgs,
    // RFC 7662 section 2.1: introspection is for authenticated (confidential) clients only.
    introspection_endpoint_auth_methods_supported: authMethods.filter((m) => m !== "none"),
    introspection_endpoint_auth_signing_alg_values_supported: signingAlgs,
    authorization_details_types_supported: [...AUTHORIZATION_DETAILS_TYPES],
    dpop_signing_alg_values_supported: [...DPOP_SIGNING_ALGS],
    authorization_response_iss_parameter_supported: true,
    client_id_metadata_document_supported: true,
    require_pushed_authorization_requests: false,
    backchannel_token_delivery_modes_supported: ["poll"],
    backchannel_user_code_parameter_supported: false,
    // RFC 9068: access tokens are JWTs signed with ES256.
    access_token_signing_alg_values_supported: [ACCESS_TOKEN_SIGNING_ALG],
    service_documentation: `${config.issuerUrl}/`,
  };
}
