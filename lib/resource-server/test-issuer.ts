// A stand-in issuer for resource-server tests: publishes AS metadata and a JWKS over real
// HTTP and mints access tokens with jose, so verification is tested against real fetches.
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, exportSPKI, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from "jose";

export interface TestIssuer {
  issuer: string;
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  /** How many times the JWKS was fetched (or asked for, while hanging). */
  jwksFetches: number;
  /** While true, every request fails with 503 (the issuer is down). */
  down: boolean;
  /** While true, every request is accepted and never answered (the issuer hangs). */
  hang: boolean;
  publish(keys: JWK[]): void;
  /** Answers POST /oauth/token (form and Authorization header), when set. */
  tokenHandler?: (form: URLSearchParams, authorization: string | undefined) => Promise<{ status: number; body: unknown }>;
  mint(claims?: Record<string, unknown>, header?: Record<string, unknown>, key?: CryptoKey): Promise<string>;
  close(): Promise<void>;
}

export async function startTestIssuer(defaults: Record<string, unknown> = {}): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const kid = `k-${randomUUID().slice(0, 8)}`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" };
  let keys: JWK[] = [publicJwk];
  const state = { jwksFetches: 0, down: false, hang: false };
  let base = "";
  const server: Server = createServer((req, res) => {
    if (state.hang) {
      if (req.url === "/oauth/jwks") state.jwksFetches++;
      return; // the socket stays open until the client gives up or close()
    }
    if (state.down) {
      res.writeHead(503).end();
      return;
    }
    if (req.url === "/.well-known/oauth-authorization-server") {
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ issuer: base, jwks_uri: `${base}/oauth/jwks`, token_endpoint: `${base}/oauth/token` }));
    } else if (req.url === "/oauth/token" && req.method === "POST" && issuer.tokenHandler) {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        issuer.tokenHandler!(new URLSearchParams(Buffer.concat(chunks).toString()), req.headers.authorization)
          .then(({ status, body }) => res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body)))
          .catch(() => res.writeHead(500).end());
      });
    } else if (req.url === "/oauth/jwks") {
      state.jwksFetches++;
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ keys }));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer: TestIssuer = {
    issuer: base,
    kid,
    privateKey,
    publicJwk,
    get jwksFetches() {
      return state.jwksFetches;
    },
    get down() {
      return state.down;
    },
    set down(v: boolean) {
      state.down = v;
    },
    get hang() {
      return state.hang;
    },
    set hang(v: boolean) {
      state.hang = v;
    },
    publish(next) {
      keys = next;
    },
    async mint(claims = {}, header = {}, key = privateKey) {
      const now = Math.floor(Date.now() / 1000);
      const payload = {
        iss: base,
        sub: "user-1",
        aud: "http://localhost:3001/mcp",
        client_id: "agent-1",
        iat: now,
        nbf: now,
        exp: now + 600,
        jti: randomUUID(),
        scope: "messages:send messages:read",
        grant_id: "grant-1",
        authorization_details: [{ type: "messaging", actions: ["send"], recipients: ["+15550100123"], max_messages: 2 }],
        ...defaults,
        ...claims,
      };
      for (const [k, v] of Object.entries(payload)) if (v === undefined) delete (payload as Record<string, unknown>)[k];
      return new SignJWT(payload).setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid, ...header }).sign(key);
    },
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections(); // including requests left hanging
      }),
  };
  return issuer;
}

/** A token a resource server must refuse, with the checklist case it belongs to. */
export interface ForgedToken {
  checklist: 55 | 56 | 57;
  what: string;
  token: string;
}

/**
 * Tokens every protected resource must answer with 401 invalid_token (security checklist
 * 55-57), each otherwise a valid access token for `claims` (audience, grant, ...). Times are
 * well past the 30 s skew so that a second ticking over between minting and checking cannot
 * change the outcome; the exact boundaries are tested against a pinned clock in
 * resource-server.test.ts.
 */
export async function forgedAccessTokens(issuer: TestIssuer, claims: Record<string, unknown> = {}): Promise<ForgedToken[]> {
  const now = Math.floor(Date.now() / 1000);
  const good = await issuer.mint(claims);
  const [, payloadPart = ""] = good.split(".");
  const payload = JSON.parse(Buffer.from(payloadPart, "base64url").toString()) as Record<string, unknown>;
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const hs256 = (secret: Uint8Array) => new SignJWT(payload).setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: issuer.kid }).sign(secret);
  // A real DPoP proof (RFC 9449 section 4.2): signed by the client's own key, carried in the header.
  const client = await generateKeyPair("ES256", { extractable: true });
  const dpopProof = await new SignJWT({ jti: randomUUID(), htm: "POST", htu: String(payload.aud), iat: now })
    .setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk: await exportJWK(client.publicKey) })
    .sign(client.privateKey);
  const idClaims = { ...claims, nonce: "n-0S6_WzA2Mj", auth_time: now - 5, azp: claims.client_id ?? "agent-1" };
  return [
    { checklist: 55, what: "expired 60 s ago", token: await issuer.mint({ ...claims, iat: now - 700, nbf: now - 700, exp: now - 60 }) },
    { checklist: 55, what: "nbf 60 s in the future", token: await issuer.mint({ ...claims, nbf: now + 60 }) },
    { checklist: 55, what: "iat 60 s in the future", token: await issuer.mint({ ...claims, iat: now + 60, nbf: now }) },
    { checklist: 56, what: "alg none", token: `${b64({ alg: "none", typ: "at+jwt", kid: issuer.kid })}.${payloadPart}.` },
    { checklist: 56, what: "HS256 keyed with the public JWK", token: await hs256(new TextEncoder().encode(JSON.stringify(issuer.publicJwk))) },
    { checklist: 56, what: "HS256 keyed with the public key's PEM", token: await hs256(new TextEncoder().encode(await exportSPKI(await importJWK(issuer.publicJwk, "ES256") as CryptoKey))) },
    { checklist: 57, what: "an ID token (typ JWT) signed by the issuer", token: await issuer.mint(idClaims, { typ: "JWT" }) },
    { checklist: 57, what: "an ID token without typ signed by the issuer", token: await issuer.mint(idClaims, { typ: undefined }) },
    { checklist: 57, what: "a token typed dpop+jwt signed by the issuer", token: await issuer.mint(claims, { typ: "dpop+jwt" }) },
    { checklist: 57, what: "a client's DPoP proof", token: dpopProof },
  ];
}
