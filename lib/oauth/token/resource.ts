// The resources (RFC 8707) this issuer mints tokens for; anything else is invalid_target.
import type { Deps } from "../../deps";
import { OAuthError } from "../errors";

export function knownResources(deps: Deps): string[] {
  return [deps.config.mcpResourceUrl, deps.config.messagingResourceUrl];
}

/** RFC 8707 section 2: an absolute URI without fragment, and one we serve. */
export function checkKnownResource(deps: Deps, resource: string): string {
  if (!knownResources(deps).includes(resource)) throw new OAuthError("invalid_target", "the resource is not served by this issuer");
  return resource;
}
