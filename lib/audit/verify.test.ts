import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { testDatabases } from "../../tests/harness/databases";
import { verifyChain as verify, type TrustedCheckpoint, type VerifyOptions } from "./verify";
import { GENESIS_HASH } from "./hash";
import { exec, fillChain, forgedRow, insertRaw, rehash, relinkFrom, resetChain, rowAt, shiftDown, shiftUp } from "./testing/chain";

const N = 40;

// Every case runs through Prisma on both providers, and through the direct SQLite file reader.
const CASES = [
  ...testDatabases().map((target) => ({ target, name: `${target.name} (Prisma reader)`, direct: false })),
  ...testDatabases().map((target) => ({ target, name: `${target.name} (direct reader)`, direct: true })),
];

describe.each(CASES)("audit chain verification on $name", ({ target, direct }) => {
  let db: Db;
  const verifyChain = (d: Db, opts: VerifyOptions = {}) => verify(d, { ...opts, databaseUrl: direct ? target.url() : undefined });
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());
  beforeEach(async () => {
    await resetChain(db);
    await fillChain(db, N);
  });

  const checkpointAt = async (seq: number): Promise<TrustedCheckpoint> => ({ seq, headHash: (await rowAt(db, seq)).hash, iat: 1_800_000_000 });

  it("accepts an untouched chain and checks every entry", async () => {
    const result = await verifyChain(db, { batchSize: 7, checkpoints: [await checkpointAt(35)] });
    expect(result).toMatchObject({ ok: true, checked: N, lastSeq: N, headSeq: N, problem: null, checkpointsChecked: 1 });
  });

  it("accepts an empty chain", async () => {
    await resetChain(db);
    expect(await verifyChain(db)).toMatchObject({ ok: true, checked: 0, lastSeq: 0, headHash: GENESIS_HASH });
  });

  it("names an entry whose content was modified", async () => {
    await exec(db, `UPDATE "AuditEvent" SET "reason" = ? WHERE "seq" = ?`, "nothing to see", 17);
    const { ok, problem, checked } = await verifyChain(db, { batchSize: 7 });
    expect(ok).toBe(false);
    expect(problem).toMatchObject({ kind: "modified", seq: 17 });
    expect(checked).toBe(16);
  });

  it("names an entry whose details were modified, at a batch boundary", async () => {
    await exec(db, `UPDATE "AuditEvent" SET "details" = ? WHERE "seq" = ?`, '{"tool":"send_message"}', 14);
    expect((await verifyChain(db, { batchSize: 7 })).problem).toMatchObject({ kind: "modified", seq: 14 });
  });

  it("names an entry modified with its hash recomputed", async () => {
    await exec(db, `UPDATE "AuditEvent" SET "outcome" = ?, "reason" = ? WHERE "seq" = ?`, "success", "rewritten", 17);
    await rehash(db, 17);
    const { problem } = await verifyChain(db, { batchSize: 7 });
    expect(problem).toMatchObject({ kind: "modified", seq: 17 });
  });

  it("names the first bad entry when several were changed", async () => {
    await exec(db, `UPDATE "AuditEvent" SET "reason" = 'x' WHERE "seq" IN (12, 30)`);
    expect((await verifyChain(db)).problem).toMatchObject({ kind: "modified", seq: 12 });
  });

  it("names a deleted entry", async () => {
    await exec(db, `DELETE FROM "AuditEvent" WHERE "seq" = ?`, 17);
    const { problem } = await verifyChain(db, { batchSize: 7 });
    expect(problem).toMatchObject({ kind: "deleted", seq: 17 });
    expect(problem!.message).toContain("entry 17 is missing");
  });

  it("names a deleted range", async () => {
    await exec(db, `DELETE FROM "AuditEvent" WHERE "seq" BETWEEN 17 AND 19`);
    const { problem } = await verifyChain(db);
    expect(problem).toMatchObject({ kind: "deleted", seq: 17 });
    expect(problem!.message).toContain("17..19");
  });

  it("names a deletion hidden by renumbering the later entries", async () => {
    await exec(db, `DELETE FROM "AuditEvent" WHERE "seq" = ?`, 17);
    await shiftDown(db, 18, N);
    await exec(db, `UPDATE "AuditHead" SET "seq" = ? WHERE "id" = 1`, N - 1);
    expect((await verifyChain(db)).problem).toMatchObject({ kind: "deleted", seq: 17 });
  });

  it("names the first entry of the chain when it was deleted", async () => {
    await exec(db, `DELETE FROM "AuditEvent" WHERE "seq" = 1`);
    expect((await verifyChain(db)).problem).toMatchObject({ kind: "deleted", seq: 1 });
  });

  it("names a forged entry inserted with a correct link and hash", async () => {
    await shiftUp(db, 17, N);
    await insertRaw(db, forgedRow(17, (await rowAt(db, 16)).hash));
    await exec(db, `UPDATE "AuditHead" SET "seq" = ? WHERE "id" = 1`, N + 1);
    const { problem } = await verifyChain(db, { batchSize: 7 });
    expect(problem).toMatchObject({ kind: "inserted", seq: 17 });
  });

  it("names a junk entry inserted into the chain", async () => {
    await shiftUp(db, 17, N);
    await insertRaw(db, { ...forgedRow(17, "f".repeat(64)), hash: "e".repeat(64) });
    const { problem } = await verifyChain(db, { batchSize: 16 });
    expect(problem).toMatchObject({ kind: "inserted", seq: 17 });
  });

  it("names an entry appended behind the head's back", async () => {
    await insertRaw(db, forgedRow(N + 1, (await rowAt(db, N)).hash));
    expect((await verifyChain(db)).problem).toMatchObject({ kind: "inserted", seq: N + 1 });
  });

  it("names two entries swapped", async () => {
    await exec(db, `UPDATE "AuditEvent" SET "seq" = -1 WHERE "seq" = 17`);
    await exec(db, `UPDATE "AuditEvent" SET "seq" = 17 WHERE "seq" = 18`);
    await exec(db, `UPDATE "AuditEvent" SET "seq" = 18 WHERE "seq" = -1`);
    const { problem } = await verifyChain(db, { batchSize: 7 });
    expect(problem).toMatchObject({ kind: "reordered", seq: 17 });
  });

  it("names an entry moved to the end", async () => {
    await exec(db, `UPDATE "AuditEvent" SET "seq" = -1 WHERE "seq" = 10`);
    await shiftDown(db, 11, N);
    await exec(db, `UPDATE "AuditEvent" SET "seq" = ? WHERE "seq" = -1`, N);
    expect((await verifyChain(db)).problem).toMatchObject({ kind: "reordered", seq: 10 });
  });

  it("names a truncated tail when the head still says more", async () => {
    await exec(db, `DELETE FROM "AuditEvent" WHERE "seq" > 30`);
    const { problem } = await verifyChain(db);
    expect(problem).toMatchObject({ kind: "truncated", seq: 31 });
  });

  it("names a truncated tail hidden by rewinding the head, from a signed checkpoint", async () => {
    const cp = await checkpointAt(35);
    await exec(db, `DELETE FROM "AuditEvent" WHERE "seq" > 30`);
    await exec(db, `UPDATE "AuditHead" SET "seq" = 30, "hash" = ? WHERE "id" = 1`, (await rowAt(db, 30)).hash);
    expect((await verifyChain(db)).ok).toBe(true); // without a checkpoint, a clean cut is invisible
    const { problem } = await verifyChain(db, { checkpoints: [cp] });
    expect(problem).toMatchObject({ kind: "truncated", seq: 31 });
    expect(problem!.message).toContain("31..35");
  });

  it("names the last entry when it was rewritten with its hash", async () => {
    await exec(db, `UPDATE "AuditEvent" SET "reason" = 'x' WHERE "seq" = ?`, N);
    await rehash(db, N);
    expect((await verifyChain(db)).problem).toMatchObject({ kind: "modified", seq: N });
  });

  it("catches a fully re-linked rewrite through a signed checkpoint", async () => {
    const cp = await checkpointAt(35);
    await exec(db, `UPDATE "AuditEvent" SET "reason" = 'x' WHERE "seq" = 20`);
    const head = await relinkFrom(db, 20, N);
    await exec(db, `UPDATE "AuditHead" SET "hash" = ? WHERE "id" = 1`, head);
    expect((await verifyChain(db)).ok).toBe(true); // a consistent rewrite needs an outside anchor
    expect((await verifyChain(db, { checkpoints: [cp] })).problem).toMatchObject({ kind: "modified", seq: 35 });
  });
});
