// Key rotation as the issuer's own verifiers see it (checklist 2): introspection and token
// exchange trust exactly the keys in the published JWKS.
import { decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { MessagingDetail } from "../authorization-details";
import type { Db } from "../db/client";
import { testDatabases } from "../../tests/harness/databases";
import { testDeps, type TestDeps } from "../../tests/harness/test-deps";
import { writeTransaction } from "../db";
import { spendFromEntries } from "../grants/entries";
import { forgetKeyCache } from "./keys/cache";
import { PUBLISH_LEAD_SECONDS, publicJwks, rotateSigningKeys } from "./keys";
import { handleIntrospection, INTROSPECTION_PATH } from "./introspection";
import { handleToken, tokenEndpointUrl } from "./token/handle";
import { formRequest, json, makeClient, makeCode, makeGrant, makeUser, REDIRECT_URI } from "./token/test-fixtures";

const SECRET = "ki-secret-ki-secret-ki-secret-ki-secret-ki-s";

describe.each(testDatabases())("signing key rotation seen by introspection, on $name", (target) => {
  let db: Db;
  let deps: TestDeps;
  let client: { id: string; secret?: string };
  let userId: string;

  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());
  beforeEach(async () => {
    await db.signingKey.deleteMany();
    forgetKeyCache(db);
    deps = testDeps(db);
    client = await makeClient(db, { secret: SECRET });
    userId = await makeUser(db);
  });

  async function accessToken(details?: MessagingDetail[]): Promise<string> {
    const grant = await makeGrant(deps, { userId, clientId: client.id, resource: deps.config.mcpResourceUrl, expiresInSeconds: 86_400, details });
    const { code, verifier } = await makeCode(deps, { grantId: grant.id, clientId: client.id, resource: deps.config.mcpResourceUrl });
    const res = await handleToken(
      formRequest(tokenEndpointUrl(deps), { grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: REDIRECT_URI }, { basic: { id: client.id, secret: SECRET } }),
      deps,
    );
    return String((await json(res)).access_token);
  }

  const active = async (token: string) =>
    (await json(await handleIntrospection(formRequest(deps.config.issuerUrl + INTROSPECTION_PATH, { token }, { basic: { id: client.id, secret: SECRET } }), deps))).active;

  it("publishes a new key before it signs, keeps the old one while its tokens live, and rejects tokens of a removed key (case 2)", async () => {
    const before = await accessToken();
    const oldKid = decodeProtectedHeader(before).kid;
    const rotation = await rotateSigningKeys(deps);
    const kids = (await publicJwks(deps)).keys.map((k) => k.kid);
    expect(kids).toEqual(expect.arrayContaining([oldKid, rotation.kid]));
    // Not signing yet: tokens still come from the old key, up to the last second.
    deps.advance(PUBLISH_LEAD_SECONDS - 5);
    forgetKeyCache(db);
    const during = await accessToken();
    expect(decodeProtectedHeader(during).kid).toBe(oldKid);
    deps.advance(6);
    forgetKeyCache(db);
    const after = await accessToken();
    expect(decodeProtectedHeader(after).kid).toBe(rotation.kid);
    // The old key is still published and its unexpired token still verifies.
    expect((await publicJwks(deps)).keys.map((k) => k.kid)).toContain(oldKid);
    expect(await active(during)).toBe(true);
    // Once the old key is removed from the JWKS, its tokens are rejected even if unexpired.
    await db.signingKey.update({ where: { kid: String(oldKid) }, data: { removeAfter: deps.now() } });
    forgetKeyCache(db);
    expect((await publicJwks(deps)).keys.map((k) => k.kid)).not.toContain(oldKid);
    expect(await active(during)).toBe(false);
    expect(await active(after)).toBe(true);
  });

  it("checklist 104: shows the token's client what each authorization-details entry has used and has left", async () => {
    const A = "+15550100123";
    const B = "+15550100999";
    const details: MessagingDetail[] = [
      { type: "messaging", actions: ["send"], recipients: [A], max_messages: 1 },
      { type: "messaging", actions: ["send"], recipients: [B] },
    ];
    const token = await accessToken(details);
    const introspect = async () =>
      json(await handleIntrospection(formRequest(deps.config.issuerUrl + INTROSPECTION_PATH, { token }, { basic: { id: client.id, secret: SECRET } }), deps));
    const first = await introspect();
    expect(first).toMatchObject({ active: true });
    const grantId = String(first.grant_id);
    await writeTransaction(db, (tx) => spendFromEntries(tx, grantId, details, A));
    await writeTransaction(db, (tx) => spendFromEntries(tx, grantId, details, B));
    expect((await introspect()).message_limits).toEqual([
      { entry: 0, recipients: [A], max_messages: 1, used: 1, left: 0 },
      { entry: 1, recipients: [B], used: 1 },
    ]);
  });
});
