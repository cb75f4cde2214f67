// client_credentials under concurrency: issuances share write transactions (group commit,
// lib/db/group-commit.ts) and still each leave their IssuedToken row and their chained audit
// entry; a batch that cannot commit answers every member server_error and stores nothing; the
// client cache (lib/oauth/clients/cache.ts) never lets a revoked client or a stale secret
// decide an answer.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { writeTransaction } from "../../db";
import { createDb, type Db } from "../../db/client";
import { announceRevocation } from "../../revocation/announce";
import { isPostgres } from "../../audit/sql";
import { verifyChain } from "../../audit/verify";
import { ADMIN_CLI_ACTOR } from "../../auth/users";
import { testDatabases } from "../../../tests/harness/databases";
import { testDeps, type TestDeps } from "../../../tests/harness/test-deps";
import { CLIENT_CACHE_TTL_MS, forgetClientsOnRevocation } from "../clients/cache";
import { revokeClient } from "../clients/control";
import { hashClientSecret } from "../clients/secrets";
import { issuanceWriter } from "../tokens/issuance-writer";
import { handleToken, tokenEndpointUrl } from "./handle";
import type { TokenLimits } from "./limits";
import { formRequest, json, makeClient, refuseAuditInserts, tokenAnswers, uncappedTokenLimits } from "./test-fixtures";

const SECRET = "batch-secret-batch-secret-batch-secret-0001";
const N = 24;
const claimsOf = (jwt: unknown) => JSON.parse(Buffer.from(String(jwt).split(".")[1] ?? "", "base64url").toString()) as Record<string, unknown>;

describe.each(testDatabases())("client_credentials issued concurrently, on $name", (target) => {
  let db: Db;
  let deps: TestDeps;
  let limits: TokenLimits;

  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());
  beforeEach(() => {
    deps = testDeps(db);
    limits = uncappedTokenLimits(deps);
  });

  const request = (client: { id: string; secret?: string }, secret = client.secret!) =>
    handleToken(
      formRequest(
        tokenEndpointUrl(deps),
        { grant_type: "client_credentials", resource: deps.config.messagingResourceUrl },
        { basic: { id: client.id, secret } },
      ),
      deps,
      { limits },
    );
  const counts = async () => ({ tokens: await db.issuedToken.count(), entries: await db.auditEvent.count({ where: { type: "token.issued" } }) });

  it(`checklist 215: ${N} concurrent requests: ${N} tokens, ${N} IssuedToken rows and ${N} chained entries, in fewer transactions than tokens`, async () => {
    const client = await makeClient(db, { secret: SECRET, grantTypes: ["client_credentials"], scope: "messages:read" });
    const before = await counts();
    const writer = issuanceWriter(db);
    const batchesBefore = writer.stats.batches;
    const responses = await Promise.all(Array.from({ length: N }, () => request(client)));
    expect(responses.map((r) => r.status)).toEqual(Array(N).fill(200));
    const jtis = await Promise.all(responses.map(async (r) => String(claimsOf((await json(r)).access_token).jti)));
    expect(new Set(jtis).size).toBe(N);

    const rows = await db.issuedToken.findMany({ where: { jti: { in: jtis } } });
    expect(rows).toHaveLength(N);
    for (const row of rows) {
      expect(row).toMatchObject({ clientId: client.id, grantId: null, subjectJti: null, revokedAt: null });
      // Stored as the Prisma client stores dates, so they read back as the token's times.
      expect(row.expiresAt.getTime()).toBe(deps.now().getTime() - (deps.now().getTime() % 1000) + deps.config.accessTokenTtlSeconds * 1000);
      expect(row.createdAt.getTime()).toBe(deps.now().getTime());
    }
    const entries = await db.auditEvent.findMany({ where: { type: "token.issued", clientId: client.id }, orderBy: { seq: "asc" } });
    expect(entries).toHaveLength(N);
    expect(entries.map((e) => JSON.parse(e.details).jti).sort()).toEqual([...jtis].sort());
    expect(entries[0]!).toMatchObject({ outcome: "success", actorType: "agent", actorId: client.id, grantId: null, subjectUserId: null });
    expect(JSON.parse(entries[0]!.details)).toEqual({
      grant_type: "client_credentials",
      jti: expect.any(String),
      token_type: "Bearer",
      expires_in: deps.config.accessTokenTtlSeconds,
      resource: deps.config.messagingResourceUrl,
    });
    // One entry after another, without gaps.
    entries.forEach((e, i) => i > 0 && expect(e.seq).toBe(entries[i - 1]!.seq + 1));
    expect(await counts()).toEqual({ tokens: before.tokens + N, entries: before.entries + N });
    expect((await verifyChain(db)).ok).toBe(true);
    const batches = writer.stats.batches - batchesBefore;
    expect(batches).toBeGreaterThan(0);
    expect(batches).toBeLessThan(N);
  });

  it("checklist 215: a batch that cannot commit answers every member server_error and stores none of them", async () => {
    const client = await makeClient(db, { secret: SECRET, grantTypes: ["client_credentials"], scope: "messages:read" });
    // The audit store refuses: every entry insert fails, after the batch's token rows went in.
    const allowAudit = await refuseAuditInserts(db);
    const before = await counts();
    const writer = issuanceWriter(db);
    const failedBefore = writer.stats.failed;
    try {
      const responses = await Promise.all(Array.from({ length: 8 }, () => request(client)));
      expect(await tokenAnswers(responses)).toEqual(Array(8).fill({ status: 500, error: "server_error", token: false }));
      expect(await counts()).toEqual(before);
      expect(writer.stats.failed - failedBefore).toBeLessThan(8);
    } finally {
      await allowAudit();
    }
    // The writer is not stuck: the store is back, so is issuance.
    expect((await request(client)).status).toBe(200);
    expect((await verifyChain(db)).ok).toBe(true);
  });

  describe("the client cache", () => {
    // The cache's clock stands still, so an entry never ages out unless the test moves it: a
    // refusal can then only come from an invalidation.
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ["Date"] });
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it("checklist 216: a client revoked in this process is refused on its next request, although it was cached", async () => {
      const client = await makeClient(db, { secret: SECRET, grantTypes: ["client_credentials"], scope: "messages:read" });
      expect((await request(client)).status).toBe(200);
      await revokeClient(db, client.id, ADMIN_CLI_ACTOR, deps.now());
      const res = await request(client);
      expect(res.status).toBe(401);
      expect((await json(res)).error).toBe("invalid_client");
    });

    it("checklist 216: a client revoked by another process is refused once the revocation is announced", async () => {
      const client = await makeClient(db, { secret: SECRET, grantTypes: ["client_credentials"], scope: "messages:read" });
      expect((await request(client)).status).toBe(200);
      // What the web app runs (scripts/start/web-server.ts).
      const listener = forgetClientsOnRevocation(target.url(), "client cache test", () => undefined);
      const other = createDb(target.url());
      try {
        await listener.ready;
        // What revokeClient does in another process: the row, and the announcement (not this
        // process's own invalidation, which revokeClient here would also run).
        await writeTransaction(other, async (tx) => {
          await tx.client.update({ where: { id: client.id }, data: { revokedAt: new Date() } });
          await announceRevocation(tx, { kind: "all" });
        });
        // The announcement travels after the commit (a socket on SQLite, NOTIFY on PostgreSQL);
        // the cache's clock stands still, so only the announcement can make this a refusal.
        let status = 0;
        for (let i = 0; i < 250 && status !== 401; i++) {
          status = (await request(client)).status;
          if (status !== 401) await new Promise((r) => setTimeout(r, 20));
        }
        expect(status).toBe(401);
      } finally {
        await other.$disconnect();
        await listener.stop();
      }
    });

    it(`checklist 216: a change nobody announced is read within ${CLIENT_CACHE_TTL_MS} ms, and a secret rotated elsewhere works at once`, async () => {
      const client = await makeClient(db, { secret: SECRET, grantTypes: ["client_credentials"], scope: "messages:read" });
      expect((await request(client)).status).toBe(200);
      // Another process rotates the secret by writing the row (ensureServiceClient's way).
      const rotated = "rotated-secret-rotated-secret-rotated-0002";
      await db.$executeRawUnsafe(
        `UPDATE "Client" SET "secretHash" = ${isPostgres(db) ? "$1" : "?"} WHERE "id" = ${isPostgres(db) ? "$2" : "?"}`,
        hashClientSecret(rotated),
        client.id,
      );
      expect((await request(client, rotated)).status).toBe(200);
      expect((await request(client, SECRET)).status).toBe(401);
      // Revoked behind the cache's back, with no announcement: refused after the TTL at the latest.
      expect((await request(client, rotated)).status).toBe(200);
      await db.client.update({ where: { id: client.id }, data: { revokedAt: new Date() } });
      expect((await request(client, rotated)).status).toBe(200);
      vi.setSystemTime(Date.now() + CLIENT_CACHE_TTL_MS);
      expect((await request(client, rotated)).status).toBe(401);
    });
  });
});
