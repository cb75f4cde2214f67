import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../../db/client";
import { CLIENT_ADDRESS_HEADER } from "../../auth/client-ip";
import { testDatabases } from "../../../tests/harness/databases";
import { testDeps, type TestDeps } from "../../../tests/harness/test-deps";
import { handleToken, tokenEndpointUrl } from "./handle";
import { formRequest, json, makeClient } from "./test-fixtures";

const SECRET = "mcp-secret-mcp-secret-mcp-secret-mcp-secret";
const ATTACKER = "198.51.100.66";
const SERVER = "127.0.0.1";

describe.each(testDatabases())("token endpoint budgets on $name", (target) => {
  let db: Db;
  let deps: TestDeps;
  let url: string;

  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());
  beforeEach(() => {
    deps = testDeps(db);
    url = tokenEndpointUrl(deps);
  });

  const clientCredentials = (client: { id: string }, secret: string, address: string) =>
    handleToken(
      formRequest(
        url,
        { grant_type: "client_credentials", resource: deps.config.messagingResourceUrl },
        { basic: { id: client.id, secret }, headers: { [CLIENT_ADDRESS_HEADER]: address } },
      ),
      deps,
    );

  it("checklist 110: 320 wrong secrets naming a client do not spend its budget; the attacker's address gets 429 with Retry-After", async () => {
    const mcp = await makeClient(db, { id: "mcp-server", secret: SECRET, grantTypes: ["client_credentials"], scope: "messages:read" });
    const statuses = new Map<number, number>();
    let lastRefused: Response | undefined;
    for (let i = 0; i < 320; i++) {
      const res = await clientCredentials(mcp, "wrong-secret-" + i, ATTACKER);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 429) lastRefused = res;
    }
    // The client+address budget (10 a minute) refuses the rest before any secret is checked.
    expect(statuses.get(401)).toBe(deps.config.limits.tokenAuthFailuresPerClientAndAddressPerMinute);
    expect(statuses.get(429)).toBe(320 - deps.config.limits.tokenAuthFailuresPerClientAndAddressPerMinute);
    expect((await json(lastRefused!)).error).toBe("temporarily_unavailable");
    expect(Number(lastRefused!.headers.get("retry-after"))).toBeGreaterThan(0);

    // The real client, from its own address, still gets tokens: 300 of them in the same minute.
    for (let i = 0; i < deps.config.limits.tokenRequestsPerClientPerMinute; i++) {
      const res = await clientCredentials(mcp, SECRET, SERVER);
      if (res.status !== 200) throw new Error(`request ${i}: ${res.status} ${JSON.stringify(await json(res))}`);
    }
    // Its own budget is its authenticated requests only; the 301st in a minute is refused.
    const over = await clientCredentials(mcp, SECRET, SERVER);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("checklist 110: a spray across many client ids from one address is stopped by the per-address failure budget", async () => {
    const limit = deps.config.limits.tokenAuthFailuresPerAddressPerMinute;
    let refused = 0;
    for (let i = 0; i < limit + 20; i++) {
      const res = await handleToken(formRequest(url, { grant_type: "client_credentials", client_id: `nobody-${i}`, client_secret: "x" }, { headers: { [CLIENT_ADDRESS_HEADER]: ATTACKER } }), deps);
      if (res.status === 429) refused++;
      else expect(res.status).toBe(401);
    }
    expect(refused).toBe(20);
    // A good client at the attacker's address is refused too until the budget refills: from one
    // address the two cannot be told apart without checking a secret (./limits.ts).
    const good = await makeClient(db, { secret: SECRET, grantTypes: ["client_credentials"], scope: "messages:read" });
    expect((await clientCredentials(good, SECRET, ATTACKER)).status).toBe(429);
    expect((await clientCredentials(good, SECRET, "203.0.113.5")).status).toBe(200);
    deps.advance(60 / limit + 0.1); // one unit refilled
    expect((await clientCredentials(good, SECRET, ATTACKER)).status).toBe(200);
  });

  it("checklist 110: a successful authentication gives its failure units back", async () => {
    const client = await makeClient(db, { secret: SECRET, grantTypes: ["client_credentials"], scope: "messages:read" });
    const pair = deps.config.limits.tokenAuthFailuresPerClientAndAddressPerMinute;
    for (let i = 0; i < 3 * pair; i++) expect((await clientCredentials(client, SECRET, ATTACKER)).status).toBe(200);
    for (let i = 0; i < pair; i++) expect((await clientCredentials(client, "wrong", ATTACKER)).status).toBe(401);
    expect((await clientCredentials(client, "wrong", ATTACKER)).status).toBe(429);
  });

  it("checklist 110: a public client's budget is per address, since naming it proves nothing", async () => {
    const pub = await makeClient(db);
    const limited = testDeps(db, { limits: { ...deps.config.limits, tokenRequestsPerClientPerMinute: 3 } });
    const send = (address: string) =>
      handleToken(formRequest(url, { grant_type: "refresh_token", refresh_token: "rt_x", client_id: pub.id }, { headers: { [CLIENT_ADDRESS_HEADER]: address } }), limited);
    for (let i = 0; i < 3; i++) expect((await send(ATTACKER)).status).toBe(400);
    expect((await send(ATTACKER)).status).toBe(429);
    expect((await send("203.0.113.9")).status).toBe(400);
  });
});
