// What a resource server process needs from the state it shares with the issuer and the
// messaging API, as small interfaces (docs/architecture.md, "Processes, ports and data
// ownership"). The MCP server holds these, never the database handle: each has one adapter
// today, over the shared database (db-ports.ts, lib/messaging/message-log.ts), built by the
// composition root (lib/mcp-ports.ts). The token verifier itself is ResourceServer
// (authenticate.ts); its one piece of shared state is the DPoP replay store, whose port is
// ReplayStore (lib/oauth/dpop/replay.ts).
import type { AuditEventInput } from "../audit/events";
import type { GrantStatus } from "../contracts/grant-status";
import type { ExtensionOutcome, ExtensionRequestInput } from "../grants/extensions";
import type { DatabaseCheck } from "../health";
import type { RevocationListener } from "../revocation/listen";
import type { RevocationEvent } from "../revocation/events";

/** Whether a grant (with its token-exchange chain) and a token are live: what GrantStatusCache caches. */
export interface GrantStatusSource {
  read(grantId: string, jti: string | undefined, now: Date): Promise<GrantStatus>;
}

/** In-call consent: asks the grant's owner to extend it (lib/grants/extensions.ts decides). */
export interface ExtensionRequests {
  request(input: ExtensionRequestInput): Promise<ExtensionOutcome>;
}

/**
 * The audit chain, for an event that has no other effect to commit with (a tool call allowed
 * or denied): committed on its own or with concurrent entries, never with another caller's
 * effects. Resolves once committed; rejects when the chain cannot be written,
 * so the caller can fail closed (docs/audit.md).
 */
export interface AuditLog {
  append(event: AuditEventInput, at: Date): Promise<void>;
}

/** A message as the agent that sent it may read it back. */
export interface SentMessage {
  id: string;
  recipient: string;
  body: string;
  status: string;
  createdAt: Date;
  deliveredAt: Date | null;
}

/** The messages sent under a grant (the messaging side owns them). */
export interface MessageLog {
  /** Newest first, at most `limit`. */
  sentUnder(grantId: string, limit: number): Promise<SentMessage[]>;
}

/** Whether the shared state can be reached right now (the readiness check). */
export interface Readiness {
  check(): Promise<DatabaseCheck>;
}

/** Revocations as they commit (lib/revocation): the grant status cache forgets what they name. */
export interface RevocationFeed {
  /** `name` identifies this process to the database (its connection's application_name). */
  subscribe(name: string, onEvent: (event: RevocationEvent) => void): RevocationListener;
}
