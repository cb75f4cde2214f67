// WWW-Authenticate challenges for a protected resource.
// RFC 6750 section 3 (Bearer), RFC 9449 section 7.1 (DPoP), RFC 9728 section 5.1
// (resource_metadata), and the MCP authorization spec (scope in the challenge).
import { DPOP_SIGNING_ALGS } from "../oauth/dpop/proof";
import { safeDescription } from "../oauth/errors";

export interface ChallengeOptions {
  /** URL of this resource's protected resource metadata (RFC 9728). */
  resourceMetadataUrl: string;
  /** The scopes the client should ask for. */
  scope?: string;
  error?: "invalid_request" | "invalid_token" | "insufficient_scope" | "invalid_dpop_proof" | "use_dpop_nonce";
  description?: string;
}

const quote = (v: string) => `"${v.replace(/["\\]/g, "")}"`;

function params(o: ChallengeOptions, withMetadata: boolean): string {
  const parts: string[] = [];
  if (o.error) parts.push(`error=${quote(o.error)}`);
  if (o.description) parts.push(`error_description=${quote(safeDescription(o.description))}`);
  if (o.scope) parts.push(`scope=${quote(o.scope)}`);
  if (withMetadata) parts.push(`resource_metadata=${quote(o.resourceMetadataUrl)}`);
  return parts.join(", ");
}

/**
 * A Bearer challenge, plus a DPoP one so clients learn both schemes are accepted (RFC 9449
 * section 7.1). DPoP-specific errors go in the DPoP challenge only.
 */
export function wwwAuthenticate(o: ChallengeOptions, dpopAlgs: readonly string[] = DPOP_SIGNING_ALGS): string {
  const dpopError = o.error === "invalid_dpop_proof" || o.error === "use_dpop_nonce";
  const bearer = `Bearer ${params(dpopError ? { ...o, error: undefined, description: undefined } : o, true)}`;
  const dpop = `DPoP ${[`algs=${quote(dpopAlgs.join(" "))}`, ...(dpopError ? [params({ ...o, scope: undefined }, false)] : [])].join(", ")}`;
  return `${bearer}, ${dpop}`;
}

/** The metadata URL for a resource: RFC 9728 section 3.1 inserts the well-known segment before the path. */
export function resourceMetadataUrlFor(resource: string): string {
  const u = new URL(resource);
  const path = u.pathname === "/" ? "" : u.pathname;
  return `${u.origin}/.well-known/oauth-protected-resource${path}`;
}
