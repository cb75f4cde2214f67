// The issuance writer on its own thread (./issuance-thread.ts, lib/db/write-thread.ts), with
// a real worker thread and its own connection to the same database: tokens answered only once
// their rows and entries are committed there, a batch the store refuses answered server_error
// with nothing stored, a worker that dies failing only what it held, and a closed thread
// handing issuance back to the event loop's own writer.
import { decodeJwt } from "jose";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Db } from "../../db/client";
import { checkAuditEvent } from "../../audit/append";
import { verifyChain } from "../../audit/verify";
import { testDatabases } from "../../../tests/harness/databases";
import { testDeps, type TestDeps } from "../../../tests/harness/test-deps";
import { handleToken, tokenEndpointUrl } from "../token/handle";
import type { TokenLimits } from "../token/limits";
import { formRequest, json, makeClient, refuseAuditInserts, tokenAnswers, uncappedTokenLimits } from "../token/test-fixtures";
import { startIssuanceThread } from "./issuance-thread";
import { issuanceWriter } from "./issuance-writer";

const SECRET = "thread-secret-thread-secret-thread-secret-01";
const N = 24;

describe.each(testDatabases())("token issuance on a write thread, on $name", (target) => {
  let db: Db;
  let deps: TestDeps;
  let limits: TokenLimits;
  let running: ReturnType<typeof startIssuanceThread>;

  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());
  beforeEach(() => {
    deps = testDeps(db);
    limits = uncappedTokenLimits(deps);
    running = startIssuanceThread(db);
  });
  afterEach(() => running.stop());

  const request = (client: { id: string; secret?: string }) =>
    handleToken(
      formRequest(
        tokenEndpointUrl(deps),
        { grant_type: "client_credentials", resource: deps.config.messagingResourceUrl },
        { basic: { id: client.id, secret: client.secret! } },
      ),
      deps,
      { limits },
    );
  const counts = async () => ({ tokens: await db.issuedToken.count(), entries: await db.auditEvent.count({ where: { type: "token.issued" } }) });
  const jtiOf = async (res: Response) => String(decodeJwt(String((await json(res)).access_token)).jti);

  it(`checklist 220: ${N} concurrent requests are answered after the worker committed their rows and chained entries`, async () => {
    const client = await makeClient(db, { secret: SECRET, grantTypes: ["client_credentials"], scope: "messages:read" });
    const before = await counts();
    const local = issuanceWriter(db).stats.batches;
    const responses = await Promise.all(Array.from({ length: N }, () => request(client)));
    expect(responses.map((r) => r.status)).toEqual(Array(N).fill(200));
    const jtis = await Promise.all(responses.map(jtiOf));
    // Time-ordered jtis (UUIDv7, access-token.ts), stamped with the time they were made.
    for (const jti of jtis) {
      expect(jti).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(Math.abs(parseInt(jti.replace(/-/g, "").slice(0, 12), 16) - Date.now())).toBeLessThan(60_000);
    }
    // Answered means stored: read back on the test's own connection.
    const rows = await db.issuedToken.findMany({ where: { jti: { in: jtis } } });
    expect(rows).toHaveLength(N);
    for (const row of rows) {
      expect(row).toMatchObject({ clientId: client.id, grantId: null, subjectJti: null, revokedAt: null });
      expect(row.createdAt.getTime()).toBe(deps.now().getTime());
    }
    const entries = await db.auditEvent.findMany({ where: { type: "token.issued", clientId: client.id }, orderBy: { seq: "asc" } });
    expect(entries.map((e) => JSON.parse(e.details).jti).sort()).toEqual([...jtis].sort());
    expect(await counts()).toEqual({ tokens: before.tokens + N, entries: before.entries + N });
    expect((await verifyChain(db)).ok).toBe(true);
    // The event loop's own writer did none of it.
    expect(issuanceWriter(db).stats.batches).toBe(local);
    expect(running.thread.inFlight).toBe(0);
  });

  it("checklist 220: a batch the store refuses on the worker answers server_error and stores nothing", async () => {
    const client = await makeClient(db, { secret: SECRET, grantTypes: ["client_credentials"], scope: "messages:read" });
    const allowAudit = await refuseAuditInserts(db);
    const before = await counts();
    try {
      const responses = await Promise.all(Array.from({ length: 8 }, () => request(client)));
      expect(await tokenAnswers(responses)).toEqual(Array(8).fill({ status: 500, error: "server_error", token: false }));
      expect(await counts()).toEqual(before);
    } finally {
      await allowAudit();
    }
    expect((await request(client)).status).toBe(200);
    expect((await verifyChain(db)).ok).toBe(true);
  });

  it("checklist 220: the worker's error reaches the caller with its message and code", async () => {
    const client = await makeClient(db, { secret: SECRET, grantTypes: ["client_credentials"], scope: "messages:read" });
    const jti = await jtiOf(await request(client));
    // The same jti again: the row's primary key refuses it, in the worker's transaction.
    const entry = checkAuditEvent({ type: "token.issued", outcome: "success", actorType: "agent", actorId: client.id, clientId: client.id, details: { jti } });
    const again = running.thread.submit({ token: { jti, grantId: null, clientId: client.id, expiresAt: new Date(Date.now() + 60_000), subjectJti: null }, entry });
    await expect(again).rejects.toMatchObject({ message: expect.stringMatching(/unique|constraint/i) });
    expect(await db.issuedToken.count({ where: { jti } })).toBe(1);
    expect((await verifyChain(db)).ok).toBe(true);
  });

  it("checklist 220: a worker that dies fails the requests it held, stores none of them, and the next request starts a new one", async () => {
    const client = await makeClient(db, { secret: SECRET, grantTypes: ["client_credentials"], scope: "messages:read" });
    await request(client); // the worker is up
    const before = await counts();
    // The test holds the chain head's lock, so the worker's batch waits for it and commits nothing.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const locker = db.$transaction(
      async (tx) => {
        await tx.$executeRawUnsafe(`UPDATE "AuditHead" SET seq = seq WHERE id = 1`);
        await released;
      },
      { timeout: 30_000, maxWait: 30_000 },
    );
    try {
      const held = Array.from({ length: 8 }, () => request(client));
      await vi.waitFor(() => expect(running.thread.inFlight).toBe(8), { interval: 1 });
      await new Promise((r) => setTimeout(r, 50));
      await running.thread.kill();
      const answers = await Promise.all(held);
      expect(answers.map((r) => r.status)).toEqual(Array(8).fill(500));
    } finally {
      release();
      await locker;
    }
    expect(await counts()).toEqual(before);
    const after = await request(client);
    expect(after.status).toBe(200);
    expect(await db.issuedToken.count({ where: { jti: await jtiOf(after) } })).toBe(1);
    expect((await verifyChain(db)).ok).toBe(true);
  });

  it("checklist 220: stopping waits for what is in flight, then issuance goes back to the event loop's writer", async () => {
    const client = await makeClient(db, { secret: SECRET, grantTypes: ["client_credentials"], scope: "messages:read" });
    const inFlight = Array.from({ length: 4 }, () => request(client));
    await vi.waitFor(() => expect(running.thread.inFlight).toBe(4), { interval: 1 });
    await running.stop();
    expect((await Promise.all(inFlight)).map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const local = issuanceWriter(db).stats.batches;
    const res = await request(client);
    expect(res.status).toBe(200);
    expect(issuanceWriter(db).stats.batches).toBe(local + 1);
    await expect(running.thread.submit({} as never)).rejects.toThrow(/closed/);
  });
});
