import { createHash, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { CLIENT_ADDRESS_HEADER } from "../auth/client-ip";
import { testDatabases } from "../../tests/harness/databases";
import { testDeps, type TestDeps } from "../../tests/harness/test-deps";
import { handleAuthorize } from "./authorize/handle";
import { handlePar } from "./authorize/par";
import { writeTransaction } from "../db";
import { DEFAULT_REQUEST_LIMITS } from "../config";
import { insertClient } from "./clients/create";
import { validateClientMetadata } from "./clients/validate-metadata";

const ISSUER = "http://localhost:3000";
const CB = "http://127.0.0.1/cb";
const challenge = createHash("sha256").update(randomBytes(32).toString("base64url")).digest("base64url");

// Serves a valid Client ID Metadata Document at every path, naming its own URL.
let server: Server;
let docBase = "";
let fetches = 0;
beforeAll(async () => {
  server = createServer((req, res) => {
    fetches++;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ client_id: `${docBase}${req.url}`, client_name: "Doc", redirect_uris: [CB] }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  docBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe.each(testDatabases())("per-address budgets on unauthenticated storage, on $name", (target) => {
  let db: Db;
  let deps: TestDeps;
  beforeAll(async () => {
    db = await target.open();
    // The production defaults (the test harness raises these two for other tests).
    deps = testDeps(db, { allowPrivateMetadataFetch: true, limits: { ...DEFAULT_REQUEST_LIMITS } });
    const metadata = validateClientMetadata({ token_endpoint_auth_method: "none", grant_types: ["authorization_code", "refresh_token"], redirect_uris: [CB] });
    await writeTransaction(db, (tx) => insertClient(tx, { id: "pub", kind: "dynamic", metadata, createdAt: deps.now() }, { type: "agent" }));
  });
  afterAll(() => target.close());

  const params = (clientId: string) =>
    new URLSearchParams({
      client_id: clientId,
      redirect_uri: CB,
      response_type: "code",
      code_challenge: challenge,
      code_challenge_method: "S256",
      scope: "messages:send",
      resource: deps.config.mcpResourceUrl,
    });
  const authorize = (address: string, clientId = "pub") =>
    handleAuthorize(new Request(`${ISSUER}/oauth/authorize?${params(clientId)}`, { headers: { [CLIENT_ADDRESS_HEADER]: address } }), deps);
  const par = (address: string) =>
    handlePar(
      new Request(`${ISSUER}/oauth/par`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", [CLIENT_ADDRESS_HEADER]: address },
        body: params("pub").toString(),
      }),
      deps,
    );
  const stored = async () => ({ requests: await db.authorizationRequest.count(), clients: await db.client.count(), audit: await db.auditEvent.count() });

  it("checklist 115: authorization requests (GET /oauth/authorize and POST /oauth/par) past an address's budget get 429 and store nothing", async () => {
    const budget = deps.config.limits.authorizationRequestsPerAddressPerMinute;
    const address = "198.51.100.31";
    for (let i = 0; i < budget - 5; i++) expect((await authorize(address)).status).toBe(303);
    for (let i = 0; i < 5; i++) expect((await par(address)).status).toBe(201);
    const before = await stored();

    const page = await authorize(address);
    expect(page.status).toBe(429);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    expect(Number(page.headers.get("retry-after"))).toBeGreaterThan(0);
    const pushed = await par(address);
    expect(pushed.status).toBe(429);
    expect(await pushed.json()).toMatchObject({ error: "temporarily_unavailable" });
    expect(Number(pushed.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await stored()).toEqual(before);

    // Another address has its own budget.
    expect((await authorize("198.51.100.32")).status).toBe(303);
  });

  it("checklist 115: new Client ID Metadata Document URLs past an address's budget get 429 and neither fetch nor store a client", async () => {
    const budget = deps.config.limits.metadataClientsPerAddressPerHour;
    const address = "198.51.100.41";
    for (let i = 0; i < budget; i++) expect((await authorize(address, `${docBase}/agent-${target.name}-${i}.json`)).status).toBe(303);
    const before = await stored();
    const fetched = fetches;
    const refused = await authorize(address, `${docBase}/agent-${target.name}-extra.json`);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await stored()).toEqual(before);
    expect(fetches).toBe(fetched);
    // A client already stored is not new: the same address can still use it.
    expect((await authorize(address, `${docBase}/agent-${target.name}-0.json`)).status).toBe(303);
  });
});
