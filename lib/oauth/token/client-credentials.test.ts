import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../../db/client";
import { testDatabases } from "../../../tests/harness/databases";
import { testDeps, type TestDeps } from "../../../tests/harness/test-deps";
import { handleToken, tokenEndpointUrl } from "./handle";
import { formRequest, json, makeClient } from "./test-fixtures";

const SECRET = "cc-secret-cc-secret-cc-secret-cc-secret-cc-s";
const claimsOf = (jwt: unknown) => JSON.parse(Buffer.from(String(jwt).split(".")[1]!, "base64url").toString()) as Record<string, unknown>;

describe.each(testDatabases())("token endpoint, client_credentials, on $name", (target) => {
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

  const request = (client: { id: string; secret?: string }, params: Record<string, string>) =>
    handleToken(
      formRequest(url, { grant_type: "client_credentials", resource: deps.config.messagingResourceUrl, ...params }, client.secret ? { basic: { id: client.id, secret: client.secret } } : {}),
      deps,
    );

  it("issues a confidential client a token limited to its registered scopes, with no refresh token and no grant", async () => {
    const client = await makeClient(db, { secret: SECRET, grantTypes: ["client_credentials"], scope: "messages:read" });
    const res = await request(client, {});
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.scope).toBe("messages:read");
    expect(body.refresh_token).toBeUndefined();
    const claims = claimsOf(body.access_token);
    expect(claims).toMatchObject({ sub: client.id, client_id: client.id, aud: deps.config.messagingResourceUrl, scope: "messages:read" });
    expect(claims.grant_id).toBeUndefined();
    const wider = await request(client, { scope: "messages:read messages:send" });
    expect(wider.status).toBe(400);
    expect((await json(wider)).error).toBe("invalid_scope");
  });

  it("refuses public clients, unknown resources and authorization details", async () => {
    const pub = await makeClient(db, { grantTypes: ["client_credentials"] });
    const res = await request(pub, { client_id: pub.id });
    expect((await json(res)).error).toBe("unauthorized_client");
    const client = await makeClient(db, { secret: SECRET, grantTypes: ["client_credentials"], scope: "messages:read" });
    expect((await json(await request(client, { resource: "https://elsewhere.example/api" }))).error).toBe("invalid_target");
    expect((await json(await request(client, { authorization_details: "[]" }))).error).toBe("invalid_authorization_details");
  });
});
