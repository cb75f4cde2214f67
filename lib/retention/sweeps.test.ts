import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db";
import { testDatabases } from "../../tests/harness/databases";
import { appendAudit } from "../audit/append";
import { writeTransaction } from "../db";
import { BACKGROUND_TASKS } from "../background";
import { makeGrant, testDeps } from "../messaging/test-fixtures";
import {
  runRetentionSweeps,
  sweepAccessTokenRecords,
  sweepAuthorizationCodes,
  sweepAuthorizationRequests,
  sweepMetadataClients,
  sweepRefreshTokens,
} from "./sweeps";

const DAY = 24 * 3600_000;
const id = () => randomUUID();

describe.each(testDatabases())("retention sweeps on $name", (target) => {
  let db: Db;
  const now = new Date();
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const ahead = (ms: number) => new Date(now.getTime() + ms);
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());

  const exists = async (model: "authorizationRequest" | "authorizationCode" | "issuedToken" | "refreshToken" | "client", key: Record<string, string>) =>
    (await (db[model] as unknown as { count(a: unknown): Promise<number> }).count({ where: key })) === 1;

  it("checklist 125: deletes authorization requests a period (RETENTION_AUTHORIZATION_REQUEST_DAYS) after they expired, and keeps younger ones", async () => {
    const row = (expiresAt: Date, status = "pending") =>
      db.authorizationRequest.create({ data: { flow: "authorize", status, clientId: "c", resource: "http://localhost:3001/mcp", expiresAt } });
    const old = await row(ago(8 * DAY), "consumed");
    const oldPending = await row(ago(8 * DAY));
    const recent = await row(ago(DAY), "denied");
    const live = await row(ahead(600_000));
    expect(await sweepAuthorizationRequests(testDeps(db), now)).toBe(2);
    expect(await exists("authorizationRequest", { id: old.id })).toBe(false);
    expect(await exists("authorizationRequest", { id: oldPending.id })).toBe(false);
    expect(await exists("authorizationRequest", { id: recent.id })).toBe(true);
    expect(await exists("authorizationRequest", { id: live.id })).toBe(true);
  });

  it("checklist 126: deletes authorization codes a period after they expired, and keeps a spent code until then for replay detection", async () => {
    const code = (expiresAt: Date, usedAt: Date | null) =>
      db.authorizationCode.create({
        data: { codeHash: id(), requestId: "r", grantId: "g", clientId: "c", redirectUri: "http://127.0.0.1/cb", codeChallenge: "x", resource: "r", expiresAt, usedAt },
      });
    const oldSpent = await code(ago(2 * DAY), ago(2 * DAY));
    const oldUnused = await code(ago(2 * DAY), null);
    const spent = await code(ahead(30_000), ago(1000)); // a replay now must still find it
    const justExpiredSpent = await code(ago(3600_000), ago(3700_000));
    expect(await sweepAuthorizationCodes(testDeps(db), now)).toBe(2);
    expect(await exists("authorizationCode", { codeHash: oldSpent.codeHash })).toBe(false);
    expect(await exists("authorizationCode", { codeHash: oldUnused.codeHash })).toBe(false);
    expect(await exists("authorizationCode", { codeHash: spent.codeHash })).toBe(true);
    expect(await exists("authorizationCode", { codeHash: justExpiredSpent.codeHash })).toBe(true);
  });

  it("checklist 127: deletes access-token records a period (RETENTION_TOKEN_DAYS) after the token expired, and keeps live and revoked-but-unexpired ones", async () => {
    const record = (expiresAt: Date, revokedAt: Date | null = null) => db.issuedToken.create({ data: { jti: id(), clientId: "c", expiresAt, revokedAt } });
    const old = await record(ago(8 * DAY));
    const recent = await record(ago(DAY));
    const revokedLive = await record(ahead(600_000), ago(1000)); // resource servers must still see the revocation
    expect(await sweepAccessTokenRecords(testDeps(db), now)).toBe(1);
    expect(await exists("issuedToken", { jti: old.jti })).toBe(false);
    expect(await exists("issuedToken", { jti: recent.jti })).toBe(true);
    expect(await exists("issuedToken", { jti: revokedLive.jti })).toBe(true);
  });

  it("checklist 128: deletes refresh tokens of ended grants and long-expired unrotated ones, and keeps a rotated token while its grant lives (reuse detection)", async () => {
    const liveGrant = await makeGrant(db);
    const revokedGrant = await makeGrant(db);
    await db.grant.update({ where: { id: revokedGrant.grantId }, data: { status: "revoked", revokedAt: ago(8 * DAY) } });
    const token = (grantId: string, data: { expiresAt: Date; rotatedAt?: Date; revokedAt?: Date }) =>
      db.refreshToken.create({ data: { tokenHash: id(), grantId, clientId: "c", scope: "s", resource: "r", ...data } });
    const rotatedLive = await token(liveGrant.grantId, { expiresAt: ago(30 * DAY), rotatedAt: ago(31 * DAY) });
    const currentLive = await token(liveGrant.grantId, { expiresAt: ahead(DAY) });
    const expiredUnrotated = await token(liveGrant.grantId, { expiresAt: ago(8 * DAY) });
    const rotatedRevoked = await token(revokedGrant.grantId, { expiresAt: ahead(DAY), rotatedAt: ago(9 * DAY), revokedAt: ago(8 * DAY) });
    const recentlyRevoked = await token(liveGrant.grantId, { expiresAt: ahead(DAY), revokedAt: ago(1000) });
    // Pages of one row: the kept token at the front must not hide the deletable ones behind it.
    expect(await sweepRefreshTokens(testDeps(db), now, 1)).toBe(2);
    expect(await exists("refreshToken", { id: rotatedLive.id })).toBe(true);
    expect(await exists("refreshToken", { id: currentLive.id })).toBe(true);
    expect(await exists("refreshToken", { id: expiredUnrotated.id })).toBe(false);
    expect(await exists("refreshToken", { id: rotatedRevoked.id })).toBe(false);
    expect(await exists("refreshToken", { id: recentlyRevoked.id })).toBe(true);
    // Once the grant itself has ended, its rotated token protects nothing any more.
    await db.grant.update({ where: { id: liveGrant.grantId }, data: { expiresAt: ago(1000) } });
    expect(await sweepRefreshTokens(testDeps(db), now)).toBe(1);
    expect(await exists("refreshToken", { id: rotatedLive.id })).toBe(false);
  });

  it("checklist 129: deletes expired DPoP jti records and keeps those still inside their replay window", async () => {
    await db.seenJti.createMany({ data: [{ key: `dpop:${id()}`, expiresAt: ago(1000) }, { key: "dpop:live", expiresAt: ahead(60_000) }] });
    const counts = await runRetentionSweeps(testDeps(db, {}, () => now));
    expect(counts.seenJti).toBeGreaterThanOrEqual(1);
    expect(await db.seenJti.count({ where: { expiresAt: { lte: now } } })).toBe(0);
    expect(await db.seenJti.count({ where: { key: "dpop:live" } })).toBe(1);
  });

  it("checklist 136: deletes metadata-document clients idle past the period that nothing names, and keeps any a grant, request or token names", async () => {
    const client = (kind: string, fetchedAt: Date | null) =>
      db.client.create({ data: { id: `https://agent-${id()}.example/client.json`, kind, fetchedAt, createdAt: ago(60 * DAY) } });
    const idle = await client("metadata_document", ago(31 * DAY));
    const neverFetched = await client("metadata_document", null);
    const fresh = await client("metadata_document", ago(DAY));
    const withGrant = await client("metadata_document", ago(31 * DAY));
    const g = await makeGrant(db, { clientId: withGrant.id });
    await db.grant.update({ where: { id: g.grantId }, data: { status: "revoked", revokedAt: ago(40 * DAY) } }); // dead, but referenced
    const withRequest = await client("metadata_document", ago(31 * DAY));
    await db.authorizationRequest.create({ data: { flow: "authorize", clientId: withRequest.id, resource: "r", expiresAt: ahead(600_000) } });
    const withToken = await client("metadata_document", ago(31 * DAY));
    await db.issuedToken.create({ data: { jti: id(), clientId: withToken.id, expiresAt: ahead(600_000) } });
    const dynamic = await client("dynamic", null);
    expect(await sweepMetadataClients(testDeps(db), now, 1)).toBe(2);
    expect(await exists("client", { id: idle.id })).toBe(false);
    expect(await exists("client", { id: neverFetched.id })).toBe(false);
    for (const kept of [fresh, withGrant, withRequest, withToken, dynamic]) expect(await exists("client", { id: kept.id }), kept.id).toBe(true);
  });

  it("checklist 137: the background task list runs every sweep, and no sweep deletes an audit entry", async () => {
    await writeTransaction(db, (tx) => appendAudit(tx, { type: "client.registered", outcome: "success", actorType: "system", clientId: "https://gone.example/c.json" }, ago(400 * DAY)));
    await db.client.create({ data: { id: "https://gone.example/c.json", kind: "metadata_document", fetchedAt: ago(400 * DAY), createdAt: ago(400 * DAY) } });
    const entries = await db.auditEvent.count();
    const task = BACKGROUND_TASKS.find((t) => t.name === "retention sweeps")!;
    const deps = testDeps(db, { RETENTION_SWEEP_INTERVAL_SECONDS: "600" }, () => now);
    expect(typeof task.everySeconds === "function" ? task.everySeconds(deps.config) : task.everySeconds).toBe(600);
    const counts = (await task.run(deps)) as Awaited<ReturnType<typeof runRetentionSweeps>>;
    expect(counts.metadataClients).toBe(1);
    expect(await exists("client", { id: "https://gone.example/c.json" })).toBe(false);
    expect(await db.auditEvent.count()).toBe(entries);
  });
});
