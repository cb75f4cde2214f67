// What the token endpoint hands every grant-type handler (./grants.ts is the registry). Kept apart
// from the registry so that the handlers, which the registry imports, need not import it back.
import type { Deps } from "../../deps";
import type { ClientRecord } from "../clients/store";

export interface GrantContext {
  req: Request;
  form: URLSearchParams;
  /** The authenticated client, allowed to use this grant type. */
  client: ClientRecord;
  deps: Deps;
  /** Present when the request carried a valid DPoP proof (RFC 9449): the key's thumbprint. */
  dpop?: { jkt: string };
}

export type GrantHandler = (ctx: GrantContext) => Promise<Response>;
