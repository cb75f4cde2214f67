// The sample agent's OAuthClientProvider for the MCP SDK client: everything the SDK's standard
// flow needs (dynamic registration, PKCE, the authorization redirect, token storage), plus one
// addition of ours: the `messaging` authorization_details (RFC 9396) for the task at hand are
// added to the authorization URL, so the consent screen asks for exactly this task.
import { randomBytes } from "node:crypto";
import type { OAuthClientProvider, OAuthDiscoveryState } from "@modelcontextprotocol/sdk/client/auth.js";
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";

export interface AgentState {
  client?: OAuthClientInformationMixed;
  tokens?: OAuthTokens;
  codeVerifier?: string;
  discovery?: OAuthDiscoveryState;
}

/** Where the provider keeps its state (a file for the CLI, memory for tests). */
export interface AgentStore {
  load(): AgentState;
  save(state: AgentState): void;
}

export function memoryStore(initial: AgentState = {}): AgentStore {
  let state = initial;
  return { load: () => state, save: (s) => void (state = s) };
}

export interface AgentProviderOptions {
  redirectUrl: string;
  store: AgentStore;
  /** Called with the authorization URL: print it, open a browser, or drive one in a test. */
  onRedirect: (url: URL) => void | Promise<void>;
  authorizationDetails?: unknown[];
  clientName?: string;
  /** Register as a confidential client (needed for CIBA); the standard flow uses a public client with PKCE. */
  confidential?: boolean;
  scope?: string;
}

export class AgentOAuthProvider implements OAuthClientProvider {
  /** The state value of the last authorization request, checked on the callback. */
  lastState?: string;

  constructor(private readonly options: AgentProviderOptions) {}

  get redirectUrl(): string {
    return this.options.redirectUrl;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.options.clientName ?? "Agent Grants sample agent",
      redirect_uris: [this.options.redirectUrl],
      grant_types: this.options.confidential ? ["authorization_code", "refresh_token", "urn:openid:params:grant-type:ciba"] : ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: this.options.confidential ? "client_secret_basic" : "none",
      scope: this.options.scope ?? "messages:send messages:read",
    };
  }

  private update(patch: Partial<AgentState>): void {
    this.options.store.save({ ...this.options.store.load(), ...patch });
  }

  state(): string {
    this.lastState = randomBytes(16).toString("base64url");
    return this.lastState;
  }

  clientInformation() {
    return this.options.store.load().client;
  }

  saveClientInformation(client: OAuthClientInformationMixed): void {
    this.update({ client });
  }

  tokens() {
    return this.options.store.load().tokens;
  }

  saveTokens(tokens: OAuthTokens): void {
    this.update({ tokens });
  }

  async redirectToAuthorization(url: URL): Promise<void> {
    if (this.options.authorizationDetails?.length) url.searchParams.set("authorization_details", JSON.stringify(this.options.authorizationDetails));
    await this.options.onRedirect(url);
  }

  saveCodeVerifier(codeVerifier: string): void {
    this.update({ codeVerifier });
  }

  codeVerifier(): string {
    const verifier = this.options.store.load().codeVerifier;
    if (!verifier) throw new Error("no PKCE code verifier saved");
    return verifier;
  }

  invalidateCredentials(scope: "all" | "client" | "tokens" | "verifier" | "discovery"): void {
    const s = this.options.store.load();
    if (scope === "all") return this.options.store.save({});
    if (scope === "client") delete s.client;
    if (scope === "tokens") delete s.tokens;
    if (scope === "verifier") delete s.codeVerifier;
    if (scope === "discovery") delete s.discovery;
    this.options.store.save(s);
  }

  discoveryState() {
    return this.options.store.load().discovery;
  }

  saveDiscoveryState(discovery: OAuthDiscoveryState): void {
    this.update({ discovery });
  }
}
