// Fixtures for the token endpoint's integration tests: rows made the way the rest of the
// system makes them (clients with hashed secrets, grants through createGrant, codes hashed),
// real Requests, and a DPoP key that signs real proofs.
import { randomBytes, randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { isPostgres } from "../../audit/sql";
import { writeTransaction } from "../../db";
import type { Db } from "../../db/client";
import type { MessagingDetail } from "../../authorization-details";
import { createGrant } from "../../grants";
import { hashClientSecret } from "../clients/secrets";
import type { TestDeps } from "../../../tests/harness/test-deps";
import { jwkThumbprint } from "../dpop/thumbprint";
import { GRANT_TYPES } from "../supported";
import { hashAuthorizationCode } from "./authorization-code";
import { createTokenLimits, type TokenLimits } from "./limits";
import { s256 } from "./pkce";

export const REDIRECT_URI = "https://agent.example/callback";
export const DETAILS: MessagingDetail[] = [{ type: "messaging", actions: ["send"], recipients: ["+15550100123", "+15550100124"], max_messages: 3 }];

export async function makeUser(db: Db): Promise<string> {
  const user = await db.user.create({ data: { email: `u-${randomUUID()}@example.com`, passwordHash: "x" } });
  return user.id;
}

export interface ClientOptions {
  id?: string;
  secret?: string;
  authMethod?: "none" | "client_secret_basic" | "client_secret_post";
  grantTypes?: string[];
  redirectUris?: string[];
  scope?: string | null;
  kind?: string;
  maxDelegationDepth?: number;
  metadata?: Record<string, unknown>;
}

export async function makeClient(db: Db, o: ClientOptions = {}): Promise<{ id: string; secret?: string }> {
  const id = o.id ?? `client-${randomUUID()}`;
  const authMethod = o.authMethod ?? (o.secret ? "client_secret_basic" : "none");
  await db.client.create({
    data: {
      id,
      kind: o.kind ?? "dynamic",
      secretHash: o.secret ? hashClientSecret(o.secret) : null,
      tokenEndpointAuthMethod: authMethod,
      redirectUris: JSON.stringify(o.redirectUris ?? [REDIRECT_URI]),
      grantTypes: JSON.stringify(o.grantTypes ?? [GRANT_TYPES.authorizationCode, GRANT_TYPES.refreshToken]),
      scope: o.scope === undefined ? null : o.scope,
      maxDelegationDepth: o.maxDelegationDepth ?? 1,
      metadata: JSON.stringify(o.metadata ?? {}),
    },
  });
  return { id, secret: o.secret };
}

export interface GrantOptions {
  userId: string;
  clientId: string;
  resource: string;
  scope?: string;
  details?: MessagingDetail[];
  expiresInSeconds?: number;
  dpopJkt?: string | null;
}

export async function makeGrant(deps: TestDeps, o: GrantOptions) {
  return writeTransaction(deps.db, (tx) =>
    createGrant(tx, {
      userId: o.userId,
      clientId: o.clientId,
      resource: o.resource,
      scope: o.scope ?? "messages:send messages:read",
      requestedDetails: o.details ?? DETAILS,
      grantedDetails: o.details ?? DETAILS,
      expiresAt: new Date(deps.now().getTime() + (o.expiresInSeconds ?? 3600) * 1000),
      createdVia: "code",
      dpopJkt: o.dpopJkt ?? null,
    }),
  );
}

export interface CodeOptions {
  grantId: string;
  clientId: string;
  resource: string;
  redirectUri?: string;
  challenge?: string;
  dpopJkt?: string | null;
  expiresInSeconds?: number;
}

export function newVerifier(): string {
  return randomBytes(32).toString("base64url");
}

/** An authorization code as the consent step stores it; returns the code and its verifier. */
export async function makeCode(deps: TestDeps, o: CodeOptions): Promise<{ code: string; verifier: string }> {
  const code = randomBytes(32).toString("base64url");
  const verifier = newVerifier();
  await deps.db.authorizationCode.create({
    data: {
      codeHash: hashAuthorizationCode(code),
      requestId: `req-${randomUUID()}`,
      grantId: o.grantId,
      clientId: o.clientId,
      redirectUri: o.redirectUri ?? REDIRECT_URI,
      codeChallenge: o.challenge ?? s256(verifier),
      resource: o.resource,
      dpopJkt: o.dpopJkt ?? null,
      expiresAt: new Date(deps.now().getTime() + (o.expiresInSeconds ?? 60) * 1000),
    },
  });
  return { code, verifier };
}

export interface FormRequestOptions {
  headers?: Record<string, string>;
  basic?: { id: string; secret: string };
  dpop?: string | string[];
}

export function formRequest(url: string, params: Record<string, string>, o: FormRequestOptions = {}): Request {
  const headers = new Headers({ "Content-Type": "application/x-www-form-urlencoded", ...o.headers });
  if (o.basic) {
    const enc = (s: string) => encodeURIComponent(s);
    headers.set("Authorization", `Basic ${Buffer.from(`${enc(o.basic.id)}:${enc(o.basic.secret)}`).toString("base64")}`);
  }
  for (const proof of o.dpop === undefined ? [] : Array.isArray(o.dpop) ? o.dpop : [o.dpop]) headers.append("DPoP", proof);
  return new Request(url, { method: "POST", headers, body: new URLSearchParams(params).toString() });
}

export interface DpopKey {
  jwk: JWK;
  jkt: string;
  proof(options?: { htm?: string; htu?: string; nonce?: string; iat?: number; ath?: string }): Promise<string>;
}

export async function makeDpopKey(deps: TestDeps, defaultHtu: string): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  const jwk = await exportJWK(publicKey);
  return {
    jwk,
    jkt: await jwkThumbprint(jwk),
    proof: (o = {}) => {
      const payload: Record<string, unknown> = {
        jti: randomUUID(),
        htm: o.htm ?? "POST",
        htu: o.htu ?? defaultHtu,
        iat: o.iat ?? Math.floor(deps.now().getTime() / 1000),
      };
      if (o.nonce) payload.nonce = o.nonce;
      if (o.ath) payload.ath = o.ath;
      return new SignJWT(payload).setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk }).sign(privateKey);
    },
  };
}

export async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

/** Budgets high enough that many requests of one client can run at once (budgets are tested in limits.test.ts). */
export function uncappedTokenLimits(deps: TestDeps): TokenLimits {
  return createTokenLimits({
    ...deps.config.limits,
    tokenRequestsPerClientPerMinute: 1e6,
    tokenAuthFailuresPerAddressPerMinute: 1e6,
    tokenAuthFailuresPerClientAndAddressPerMinute: 1e6,
  });
}

/** Makes every audit entry insert fail ("audit store unavailable") until the returned undo runs. */
export async function refuseAuditInserts(db: Db): Promise<() => Promise<void>> {
  const pg = isPostgres(db);
  if (pg) {
    await db.$executeRawUnsafe(`CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'audit store unavailable'; END $$ LANGUAGE plpgsql`);
    await db.$executeRawUnsafe(`CREATE TRIGGER refuse_audit BEFORE INSERT ON "AuditEvent" FOR EACH ROW EXECUTE FUNCTION refuse_audit()`);
  } else {
    await db.$executeRawUnsafe(`CREATE TRIGGER refuse_audit BEFORE INSERT ON "AuditEvent" BEGIN SELECT RAISE(ABORT, 'audit store unavailable'); END`);
  }
  return async () => {
    await db.$executeRawUnsafe(`DROP TRIGGER refuse_audit${pg ? ` ON "AuditEvent"` : ""}`);
    if (pg) await db.$executeRawUnsafe(`DROP FUNCTION refuse_audit()`);
  };
}

/** Each answer's status, OAuth error code and whether it carried an access token. */
export async function tokenAnswers(responses: Response[]): Promise<{ status: number; error: unknown; token: boolean }[]> {
  return Promise.all(
    responses.map(async (res) => {
      const body = await json(res);
      return { status: res.status, error: body.error, token: body.access_token !== undefined };
    }),
  );
}
