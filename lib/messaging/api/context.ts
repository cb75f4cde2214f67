// The messaging API as a resource server (audience config().messagingResourceUrl). In the web
// app process the issuer's keys are read directly from the key store (no HTTP to itself).
import type { Deps } from "../../deps";
import { dbReplayStore, verifyDpopProof } from "../../oauth/dpop";
import { publicJwks } from "../../oauth/keys";
import { ResourceServer } from "../../resource-server/authenticate";
import { GrantStatusCache } from "../../resource-server/grant-status";
import { dbGrantStatus } from "../../resource-server/db-ports";
import { JwksCache } from "../../resource-server/jwks-cache";
import type { OutcomeRecorder } from "../deliver";
import { batchedOutcomes } from "../outcome-batch";
import { SCOPE_READ, SCOPE_SEND } from "../policy";
import { providerFromConfig, type MessagingProvider } from "../providers";

export interface MessagingApiContext {
  deps: Deps;
  resourceServer: ResourceServer;
  provider: MessagingProvider;
  /**
   * Grant statuses for sends, at most one second old: they only name the chain and its owners,
   * since every spend re-checks liveness at the write (lib/grants/entries.ts), so a revocation
   * stops the very next send all the same.
   */
  grants: GrantStatusCache;
  /** Delivery outcomes of concurrent sends share write transactions (outcome-batch.ts). */
  recordOutcome: OutcomeRecorder;
}

export function createMessagingApiContext(deps: Deps, options: { getKey?: ResourceServer["options"]["getKey"]; provider?: MessagingProvider } = {}): MessagingApiContext {
  const jwks = new JwksCache({ issuer: deps.config.issuerUrl, loadJwks: () => publicJwks(deps), cooldownMs: 5_000 });
  const replay = dbReplayStore(deps.db, "dpop:messaging");
  const resourceServer = new ResourceServer({
    issuer: deps.config.issuerUrl,
    resource: deps.config.messagingResourceUrl,
    scopes: [SCOPE_SEND, SCOPE_READ],
    getKey: options.getKey ?? jwks.getKey,
    verifyDpopProof: (proof, o) => verifyDpopProof(proof, { ...o, replay }),
    now: deps.now,
  });
  return { deps, resourceServer, grants: new GrantStatusCache(dbGrantStatus(deps.db), 1000), recordOutcome: batchedOutcomes(deps), provider: options.provider ?? providerFromConfig(deps.config.messaging, undefined, deps.config.delivery.providerTimeoutMs) };
}

const globalRef = globalThis as unknown as { __messagingApi?: MessagingApiContext };

/** The process-wide context for route handlers. */
export function messagingApi(deps: Deps): MessagingApiContext {
  globalRef.__messagingApi ??= createMessagingApiContext(deps);
  return globalRef.__messagingApi;
}
