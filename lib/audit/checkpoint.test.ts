import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { testDatabases } from "../../tests/harness/databases";
import { listCheckpoints, maybeCheckpoint, trustedCheckpoints } from "./checkpoint";
import { derivedCheckpointSigner } from "./checkpoint-signer";
import { verifyAuditTrail } from "./audit-trail";
import { exec, fillChain, resetChain, rowAt } from "./testing/chain";
import { auditCheckpointTask } from "./checkpoint-task";
import { checkpointSigner } from "./audit-trail";
import { testDeps } from "../../tests/harness/test-deps";

const KEK = Buffer.alloc(32, 9).toString("base64url");
const signer = derivedCheckpointSigner(KEK);

describe("checkpoint signer", () => {
  it("derives the same key in every process from the same configuration", async () => {
    const again = derivedCheckpointSigner(KEK);
    expect(await again.publicJwk()).toEqual(await signer.publicJwk());
    const jws = await signer.sign({ seq: 3, head_hash: "a".repeat(64), iat: 1_800_000_000 });
    expect(await again.verify(jws)).toEqual({ seq: 3, head_hash: "a".repeat(64), iat: 1_800_000_000 });
    expect((await signer.publicJwk()).d).toBeUndefined();
  });

  it("rejects a checkpoint signed with another key or altered", async () => {
    const other = derivedCheckpointSigner(Buffer.alloc(32, 1).toString("base64url"));
    const jws = await other.sign({ seq: 3, head_hash: "a".repeat(64), iat: 1 });
    await expect(signer.verify(jws)).rejects.toThrow();
    const [h, , s] = (await signer.sign({ seq: 3, head_hash: "a".repeat(64), iat: 1 })).split(".");
    const forged = Buffer.from(JSON.stringify({ seq: 9, head_hash: "a".repeat(64), iat: 1 })).toString("base64url");
    await expect(signer.verify(`${h}.${forged}.${s}`)).rejects.toThrow();
  });
});

describe.each(testDatabases())("audit checkpoints on $name", (target) => {
  let db: Db;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());
  beforeEach(async () => {
    await resetChain(db);
  });

  it("signs the head when due and the chain has grown, and not otherwise", async () => {
    const t0 = new Date("2026-11-22T10:00:00Z");
    expect(await maybeCheckpoint(db, signer, { everySeconds: 60, now: t0 })).toBeNull(); // empty chain
    await fillChain(db, 10);
    const first = await maybeCheckpoint(db, signer, { everySeconds: 60, now: t0 });
    expect(first).toMatchObject({ seq: 10, headHash: (await rowAt(db, 10)).hash });
    expect(await signer.verify(first!.jws)).toMatchObject({ seq: 10, iat: t0.getTime() / 1000 });
    await fillChain(db, 5, 2);
    expect(await maybeCheckpoint(db, signer, { everySeconds: 60, now: new Date(t0.getTime() + 30_000) })).toBeNull(); // too soon
    expect(await maybeCheckpoint(db, signer, { everySeconds: 60, now: new Date(t0.getTime() + 61_000) })).toMatchObject({ seq: 15 });
    expect(await maybeCheckpoint(db, signer, { everySeconds: 60, now: new Date(t0.getTime() + 200_000) })).toBeNull(); // no growth
    expect((await listCheckpoints(db)).map((c) => c.seq)).toEqual([15, 10]);
  });

  it("detects a truncated tail with a rewound head through the signed checkpoint", async () => {
    await fillChain(db, 30);
    await maybeCheckpoint(db, signer, { everySeconds: 60 });
    expect(await verifyAuditTrail(db, signer)).toMatchObject({ ok: true, checkpointsChecked: 1 });
    await exec(db, `DELETE FROM "AuditEvent" WHERE "seq" > 25`);
    await exec(db, `UPDATE "AuditHead" SET "seq" = 25, "hash" = ? WHERE "id" = 1`, (await rowAt(db, 25)).hash);
    const verdict = await verifyAuditTrail(db, signer);
    expect(verdict.ok).toBe(false);
    expect(verdict.problem).toMatchObject({ kind: "truncated", seq: 26 });
  });

  it("still detects the truncation from a published copy when the checkpoint rows were deleted too", async () => {
    await fillChain(db, 30);
    const cp = await maybeCheckpoint(db, signer, { everySeconds: 60 });
    await exec(db, `DELETE FROM "AuditEvent" WHERE "seq" > 25`);
    await exec(db, `UPDATE "AuditHead" SET "seq" = 25, "hash" = ? WHERE "id" = 1`, (await rowAt(db, 25)).hash);
    await exec(db, `DELETE FROM "AuditCheckpoint"`);
    expect((await verifyAuditTrail(db, signer)).ok).toBe(true);
    expect((await verifyAuditTrail(db, signer, { extraCheckpoints: [cp!.jws] })).problem).toMatchObject({ kind: "truncated", seq: 26 });
  });

  it("is signed by the web process's background task with the configured key", async () => {
    await fillChain(db, 12);
    const deps = testDeps(db);
    const cp = await auditCheckpointTask.run(deps);
    expect(cp).toMatchObject({ seq: 12 });
    expect(await checkpointSigner(deps.config).verify(cp!.jws)).toMatchObject({ seq: 12, head_hash: (await rowAt(db, 12)).hash });
    expect(await auditCheckpointTask.run(deps)).toBeNull(); // nothing new, too soon
  });

  it("reports a checkpoint row that was altered or forged", async () => {
    await fillChain(db, 10);
    await maybeCheckpoint(db, signer, { everySeconds: 60 });
    await exec(db, `UPDATE "AuditCheckpoint" SET "seq" = 5`);
    const { checkpointProblems, ok } = await verifyAuditTrail(db, signer);
    expect(ok).toBe(false);
    expect(checkpointProblems[0]).toMatch(/does not match its signed payload/);
    expect((await trustedCheckpoints(db, signer)).trusted).toEqual([]);
  });
});
