// Token-path benchmark: what one tool call costs before any business logic runs.
//   - minting an access token with the issuer's stored key (signJwt, ES256)
//   - a resource server verifying a token it has not seen (ES256 verify + claim checks)
//   - the fast path for a token it verified before
// Keys come from a real migrated SQLite database and a JWKS served over loopback HTTP.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { loadConfig } from "../lib/config";
import { ensureSigningKeys, publicJwks, signJwt } from "../lib/oauth/keys";
import { ResourceServer } from "../lib/resource-server/authenticate";
import { JwksCache } from "../lib/resource-server/jwks-cache";
import { testDatabases } from "../tests/harness/databases";
import { measure, printTable, type Row } from "./measure";

const [sqlite] = testDatabases();
const db = await sqlite.open();
const config = { ...loadConfig({ DATA_DIR: "tmp/bench-data" }) };
const deps = { db, config, now: () => new Date() };
await ensureSigningKeys(deps);

const jwks = await publicJwks(deps);
const server = createServer((req, res) => {
  res.setHeader("Content-Type", "application/json");
  if (req.url === "/.well-known/oauth-authorization-server") res.end(JSON.stringify({ issuer: base, jwks_uri: `${base}/jwks` }));
  else res.end(JSON.stringify(jwks));
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const resource = "http://localhost:3001/mcp";
const claims = () => {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: base, sub: "user-1", aud: resource, client_id: "agent-1", iat: now, nbf: now, exp: now + 600, jti: randomUUID(),
    scope: "messages:send", grant_id: "grant-1",
    authorization_details: [{ type: "messaging", actions: ["send"], recipients: ["+15550100123"], max_messages: 3 }],
  };
};
const mint = () => signJwt({ ...deps, config: { ...config, issuerUrl: base } }, { typ: "at+jwt", payload: claims() });

const keys = new JwksCache({ issuer: base });
const rs = new ResourceServer({
  issuer: base, resource, scopes: ["messages:send"], getKey: keys.getKey,
  verifyDpopProof: async () => { throw new Error("no DPoP in this benchmark"); },
});
const request = (token: string) => new Request(resource, { method: "POST", headers: { authorization: `Bearer ${token}` } });

const N = Number(process.env.BENCH_N ?? 3000);
// One spare token per warm-up call, so every measured verification sees a token for the first time.
const fresh = await Promise.all(Array.from({ length: N + 50 }, mint));
const rows: Row[] = [];
rows.push(await measure("mint access token (signJwt, ES256)", N, () => mint()));
const unseen = fresh.values();
const nextUnseen = () => {
  const { done, value } = unseen.next();
  if (done) throw new Error("more verifications than fresh tokens");
  return value;
};
rows.push(await measure("verify unseen token (ES256 + claims)", N, () => rs.authenticate(request(nextUnseen()), resource)));
const [known] = fresh;
if (known === undefined) throw new Error("no token was minted");
rows.push(await measure("verify known token (fast path)", N * 10, () => rs.authenticate(request(known), resource)));
printTable("Token path", rows);

server.close();
await sqlite.close();
