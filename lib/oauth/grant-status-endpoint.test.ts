import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { writeTransaction } from "../db/transaction";
import { testDatabases } from "../../tests/harness/databases";
import { testDeps, type TestDeps } from "../../tests/harness/test-deps";
import { hashClientSecret } from "./clients/secrets";
import { createGrant } from "../grants/create";
import { revokeGrant } from "../grants/revoke";
import { handleGrantStatus } from "./grant-status-endpoint";

const SECRET = "m".repeat(43);
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;

describe.each(testDatabases())("GET /api/grants/status on $name", (target) => {
  let db: Db;
  let deps: TestDeps;
  let grantId: string;

  beforeAll(async () => {
    db = await target.open();
    deps = testDeps(db, { mcpClientId: "mcp-server", mcpClientSecret: SECRET });
    const user = await db.user.create({ data: { email: "s@example.com", passwordHash: "x" } });
    await db.client.create({ data: { id: "mcp-server", kind: "service", secretHash: hashClientSecret(SECRET), tokenEndpointAuthMethod: "client_secret_basic" } });
    await db.client.create({ data: { id: "agent", kind: "dynamic", secretHash: hashClientSecret(SECRET), tokenEndpointAuthMethod: "client_secret_basic" } });
    const grant = await writeTransaction(db, (tx) =>
      createGrant(tx, {
        userId: user.id,
        clientId: "agent",
        resource: deps.config.mcpResourceUrl,
        scope: "messages:send",
        requestedDetails: [],
        grantedDetails: [{ type: "messaging", actions: ["send"], recipients: ["+15550100123"], max_messages: 2 }],
        expiresAt: new Date(deps.now().getTime() + 600_000),
        createdVia: "code",
      }),
    );
    grantId = grant.id;
  });
  afterAll(() => target.close());

  const get = (query: string, authorization?: string) =>
    handleGrantStatus(new Request(`http://localhost:3000/api/grants/status?${query}`, { headers: authorization ? { authorization } : {} }), deps);

  it("tells the MCP service client each grant's status, expiry and each entry's messages left, and sees a revocation at once", async () => {
    const res = await get(`ids=${grantId},unknown-id`, basic("mcp-server", SECRET));
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toContain("no-store");
    const body = await res.json();
    expect(body.grants[0]).toMatchObject({ id: grantId, status: "active", message_limits: [{ entry: 0, max_messages: 2, used: 0, left: 2 }], expires_at: expect.any(String) });
    expect(body.grants[1]).toEqual({ id: "unknown-id", status: "unknown" });
    await writeTransaction(db, (tx) => revokeGrant(tx, grantId, "test", { type: "system" }));
    expect((await (await get(`ids=${grantId}`, basic("mcp-server", SECRET))).json()).grants[0].status).toBe("revoked");
  });

  it("refuses anyone else: no credentials, a wrong secret, or another client", async () => {
    const none = await get(`ids=${grantId}`);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Basic/);
    expect((await get(`ids=${grantId}`, basic("mcp-server", "wrong"))).status).toBe(401);
    expect((await get(`ids=${grantId}`, basic("agent", SECRET))).status).toBe(403);
  });

  it("asks for ids", async () => {
    const res = await get("", basic("mcp-server", SECRET));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_request" });
  });
});
