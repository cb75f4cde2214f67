// Client metadata validation (RFC 7591 section 2), shared by Dynamic Client Registration, Client
// ID Metadata Documents and the admin CLI. Unknown fields are ignored (RFC 7591 section 2) and
// never echoed. Errors are invalid_redirect_uri / invalid_client_metadata (section 3.2.2).
import type { JSONWebKeySet } from "jose";
import { z } from "zod";
import { OAuthError } from "../errors";
import { GRANT_TYPES, SCOPES, SELF_REGISTRABLE_GRANT_TYPES, TOKEN_ENDPOINT_AUTH_METHODS } from "../supported";
import { isLoopbackRedirect, isPrivateUseRedirect, redirectUriProblem } from "./redirect-uri";
import { isPlainDisplayText } from "../display-text";
import type { TokenEndpointAuthMethod } from "./store";

export interface ValidClientMetadata {
  redirect_uris: string[];
  /**
   * OpenID Connect Dynamic Client Registration 1.0 section 2. A native client keeps its loopback
   * redirects on any port (RFC 8252 section 7.3) and may use a private-use scheme; a web client's
   * loopback redirect must match exactly and it may not use a private-use scheme.
   */
  application_type: ApplicationType;
  token_endpoint_auth_method: TokenEndpointAuthMethod;
  grant_types: string[];
  response_types: string[];
  scope: string;
  client_name?: string;
  client_uri?: string;
  logo_uri?: string;
  tos_uri?: string;
  policy_uri?: string;
  contacts?: string[];
  jwks?: JSONWebKeySet;
  jwks_uri?: string;
  software_id?: string;
  software_version?: string;
  backchannel_token_delivery_mode?: "poll";
  /** RFC 9449 section 5.2: the client always uses DPoP; token requests without a proof are refused. */
  dpop_bound_access_tokens?: boolean;
}

export type ApplicationType = "web" | "native";

export interface MetadataPolicy {
  allowedGrantTypes?: readonly string[];
  allowedAuthMethods?: readonly TokenEndpointAuthMethod[];
}

const text = (max: number) =>
  z.string().max(max).refine((s) => !/[\u0000-\u001f\u007f]/.test(s), "must not contain control characters");
// The name the consent page, the pending list and notifications show: plain text only, no
// bidirectional override or invisible character that could make it read as another name.
const displayName = z
  .string()
  .max(100)
  .refine(isPlainDisplayText, "must not contain control characters, format characters (Unicode Cf) or bidirectional overrides");
const httpsUrl = z
  .string()
  .max(2000)
  .refine((s) => URL.canParse(s) && new URL(s).protocol === "https:", "must be an https URL");

const Jwk = z
  .object({ kty: z.enum(["EC", "RSA", "OKP"]) })
  .loose()
  .refine((k) => !("d" in k) && !("p" in k) && !("k" in k), "jwks must hold public keys only");

const Schema = z.object({
  redirect_uris: z.array(z.string()).max(20).default([]),
  application_type: z.enum(["web", "native"]).optional(),
  token_endpoint_auth_method: z.enum(TOKEN_ENDPOINT_AUTH_METHODS).default("client_secret_basic"),
  grant_types: z.array(z.string()).min(1).max(10).default([GRANT_TYPES.authorizationCode]),
  response_types: z.array(z.literal("code")).max(1).default(["code"]),
  scope: text(500).optional(),
  client_name: displayName.optional(),
  client_uri: httpsUrl.optional(),
  logo_uri: httpsUrl.optional(),
  tos_uri: httpsUrl.optional(),
  policy_uri: httpsUrl.optional(),
  contacts: z.array(text(200)).max(10).optional(),
  jwks: z.object({ keys: z.array(Jwk).min(1).max(10) }).optional(),
  jwks_uri: z
    .string()
    .max(2000)
    // https; http only on loopback (development, where the SSRF guard allows private fetches).
    .refine((s) => URL.canParse(s) && (new URL(s).protocol === "https:" || isLoopbackRedirect(new URL(s))), "must be an https URL")
    .optional(),
  software_id: text(200).optional(),
  software_version: text(100).optional(),
  backchannel_token_delivery_mode: z.literal("poll").optional(),
  dpop_bound_access_tokens: z.boolean().optional(),
});

const fail = (description: string) => new OAuthError("invalid_client_metadata", description);

function issueText(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join(".") || "metadata"}: ${issue.message}` : "metadata: invalid";
}

/**
 * A client that does not say: native when it redirects only to loopback or private-use schemes,
 * as command-line and desktop MCP clients do, else web. (OpenID Connect's default is web, which
 * would refuse the loopback redirects most MCP clients register without naming a type.)
 */
function inferredApplicationType(redirectUris: string[]): ApplicationType {
  const nativeOnly = redirectUris.length > 0 && redirectUris.every((u) => isPrivateUseRedirect(u) || (URL.canParse(u) && isLoopbackRedirect(new URL(u))));
  return nativeOnly ? "native" : "web";
}

export function validateClientMetadata(raw: unknown, policy: MetadataPolicy = {}): ValidClientMetadata {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw fail("client metadata must be a JSON object");
  // Some clients send "" for optional fields they do not have; read that as absent.
  const cleaned = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== "" && v !== null));
  const parsed = Schema.safeParse(cleaned);
  if (!parsed.success) throw fail(issueText(parsed.error));
  const m = parsed.data;

  for (const uri of m.redirect_uris) {
    const problem = redirectUriProblem(uri);
    if (problem) throw new OAuthError("invalid_redirect_uri", problem);
  }
  const applicationType = m.application_type ?? inferredApplicationType(m.redirect_uris);
  if (applicationType === "web" && m.redirect_uris.some(isPrivateUseRedirect)) {
    throw new OAuthError("invalid_redirect_uri", "a web client cannot register a private-use scheme redirect URI; register as application_type native");
  }
  const grantTypes = [...new Set(m.grant_types)];
  const allowedGrants = policy.allowedGrantTypes ?? SELF_REGISTRABLE_GRANT_TYPES;
  const badGrant = grantTypes.find((g) => !allowedGrants.includes(g));
  if (badGrant) throw fail(`grant type ${JSON.stringify(badGrant.slice(0, 80))} is not allowed for this client`);
  if (grantTypes.includes(GRANT_TYPES.authorizationCode) && !m.redirect_uris.length) {
    throw new OAuthError("invalid_redirect_uri", "the authorization_code grant needs at least one redirect URI");
  }
  if (policy.allowedAuthMethods && !policy.allowedAuthMethods.includes(m.token_endpoint_auth_method)) {
    throw fail(`token_endpoint_auth_method ${m.token_endpoint_auth_method} is not allowed here`);
  }
  // RFC 7591 section 2: jwks and jwks_uri MUST NOT both be present.
  if (m.jwks_uri !== undefined && m.jwks) throw fail("give jwks or jwks_uri, not both");
  if (m.token_endpoint_auth_method === "private_key_jwt" && !m.jwks && !m.jwks_uri) throw fail("private_key_jwt needs jwks or jwks_uri");
  if (m.token_endpoint_auth_method === "none" && grantTypes.includes(GRANT_TYPES.clientCredentials)) {
    throw fail("a public client cannot use client_credentials");
  }
  const scopes = (m.scope ?? SCOPES.join(" ")).split(" ").filter(Boolean);
  const badScope = scopes.find((s) => !(SCOPES as readonly string[]).includes(s));
  if (badScope) throw fail(`unknown scope ${JSON.stringify(badScope.slice(0, 80))}`);

  const out: ValidClientMetadata = {
    redirect_uris: m.redirect_uris,
    application_type: applicationType,
    token_endpoint_auth_method: m.token_endpoint_auth_method,
    grant_types: grantTypes,
    response_types: grantTypes.includes(GRANT_TYPES.authorizationCode) ? ["code"] : [],
    scope: [...new Set(scopes)].join(" "),
  };
  for (const key of ["client_name", "client_uri", "logo_uri", "tos_uri", "policy_uri", "contacts", "software_id", "software_version"] as const) {
    if (m[key] !== undefined) (out as unknown as Record<string, unknown>)[key] = m[key];
  }
  if (m.jwks) out.jwks = m.jwks as JSONWebKeySet;
  if (m.jwks_uri) out.jwks_uri = m.jwks_uri;
  if (grantTypes.includes(GRANT_TYPES.ciba)) out.backchannel_token_delivery_mode = "poll";
  // Kept (and answered back) so the token endpoint can hold the client to it (token/handle.ts).
  if (m.dpop_bound_access_tokens !== undefined) out.dpop_bound_access_tokens = m.dpop_bound_access_tokens;
  return out;
}
