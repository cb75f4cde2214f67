// One protected resource (the MCP endpoint, the messaging API): authenticates a request's
// access token and turns failures into RFC 6750 / RFC 9449 challenges.
import { OAuthError, oauthErrorResponse } from "../oauth/errors";
import { checkDpopBinding, type DpopProofVerifier } from "./dpop-binding";
import { extractToken, type PresentedToken } from "./extract-token";
import { VerifiedTokenCache } from "./token-cache";
import { verifyAccessToken, type AccessTokenClaims } from "./verify-access-token";
import { resourceMetadataUrlFor, wwwAuthenticate, type ChallengeOptions } from "./www-authenticate";
import type { JWSHeaderParameters, CryptoKey } from "jose";

export interface ResourceServerOptions {
  issuer: string;
  /** This resource's identifier (config, no trailing slash). */
  resource: string;
  /** The scopes a client should ask for to use this resource. */
  scopes: string[];
  getKey: (header: JWSHeaderParameters) => Promise<CryptoKey>;
  verifyDpopProof: DpopProofVerifier;
  now?: () => Date;
}

export interface Authenticated {
  claims: AccessTokenClaims;
  presented: PresentedToken;
  scopes: string[];
}

/** The request carried no credentials at all (RFC 6750 section 3.1). */
export class NoCredentialsError extends OAuthError {
  constructor() {
    super("invalid_token", "An access token is required.", { status: 401 });
  }
}

export class ResourceServer {
  readonly resourceMetadataUrl: string;
  private readonly cache = new VerifiedTokenCache();

  constructor(readonly options: ResourceServerOptions) {
    this.resourceMetadataUrl = resourceMetadataUrlFor(options.resource);
  }

  /**
   * Verifies the token and its DPoP binding. `htu` is the public URL of the request
   * (configured, never derived from Host). Throws OAuthError (401/503) on failure.
   */
  async authenticate(req: Request, htu: string): Promise<Authenticated> {
    const now = this.options.now?.() ?? new Date();
    const presented = extractToken(req);
    if (!presented) throw new NoCredentialsError();
    const claims = await verifyAccessToken(presented.token, {
      issuer: this.options.issuer,
      audience: this.options.resource,
      getKey: this.options.getKey,
      now: () => now,
      cache: this.cache,
    });
    await checkDpopBinding(presented, claims, { method: req.method, htu, now }, this.options.verifyDpopProof);
    return { claims, presented, scopes: claims.scope.split(" ").filter(Boolean) };
  }

  challenge(options: Omit<ChallengeOptions, "resourceMetadataUrl">): string {
    return wwwAuthenticate({ resourceMetadataUrl: this.resourceMetadataUrl, scope: this.options.scopes.join(" "), ...options });
  }

  /** The 401/403/503 response for an authentication failure, with its challenge. */
  errorResponse(err: unknown, extraHeaders: Record<string, string> = {}): Response {
    if (!(err instanceof OAuthError)) {
      // Not the token's fault (the replay store's database is down, say): the resource cannot
      // decide right now, which is a 503, never a 401 that would send the client re-authorizing.
      console.error(`resource server: cannot authenticate: ${err instanceof Error ? err.name : "unknown error"}`);
      const unavailable = new OAuthError("temporarily_unavailable", "The resource cannot check access tokens right now.", { status: 503 });
      return oauthErrorResponse(unavailable, { ...extraHeaders, "Retry-After": "5" });
    }
    if (err.status === 503) return oauthErrorResponse(err, { ...extraHeaders, "Retry-After": "5" });
    // RFC 6750 section 3.1: a request without any credentials gets a challenge without an error code.
    const challenge =
      err instanceof NoCredentialsError ? this.challenge({}) : this.challenge({ error: err.code as ChallengeOptions["error"], description: err.description });
    const headers = { ...err.headers, "WWW-Authenticate": challenge };
    return oauthErrorResponse(new OAuthError(err.code, err.description, { status: err.status, headers }), extraHeaders);
  }

  /** 403 insufficient_scope with a challenge naming the scopes that would help (RFC 6750 section 3.1). */
  insufficientScope(needed: string[], have: string[], description: string, extraHeaders: Record<string, string> = {}): Response {
    const scope = [...new Set([...have, ...needed])].join(" ");
    const challenge = wwwAuthenticate({ resourceMetadataUrl: this.resourceMetadataUrl, scope, error: "insufficient_scope", description });
    return oauthErrorResponse(new OAuthError("insufficient_scope", description, { status: 403 }), { ...extraHeaders, "WWW-Authenticate": challenge });
  }
}
