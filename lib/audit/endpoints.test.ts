import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { testDatabases } from "../../tests/harness/databases";
import { testDeps, type TestDeps } from "../../tests/harness/test-deps";
import { maybeCheckpoint } from "./checkpoint";
import { derivedCheckpointSigner } from "./checkpoint-signer";
import { handleCheckpoints } from "./checkpoints-endpoint";
import { handleAuditExport } from "./export-endpoint";
import { queryAudit } from "./query";
import { fillChain, resetChain } from "./testing/chain";

const auditor = { id: "u-aud", role: "auditor" };
const get = (path: string) => new Request(`http://localhost:3000${path}`);

describe.each(testDatabases())("audit HTTP endpoints on $name", (target) => {
  let db: Db;
  let deps: TestDeps;
  beforeAll(async () => {
    db = await target.open();
    deps = testDeps(db);
    await resetChain(db);
    await fillChain(db, 300);
  });
  afterAll(() => target.close());

  it("refuses the export to anyone but an auditor", async () => {
    expect((await handleAuditExport(get("/api/audit/export"), deps, null)).status).toBe(401);
    for (const role of ["user", "admin"]) {
      const res = await handleAuditExport(get("/api/audit/export"), deps, { id: "u1", role });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: "forbidden" });
    }
  });

  it("answers a bad filter or format with 400 and a reason", async () => {
    const bad = await handleAuditExport(get("/api/audit/export?type=nope"), deps, auditor);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error_description).toMatch(/type/);
    expect((await handleAuditExport(get("/api/audit/export?format=xlsx"), deps, auditor)).status).toBe(400);
  });

  it("streams exactly the entries of the current filter", async () => {
    const res = await handleAuditExport(get("/api/audit/export?format=jsonl&type=tool.denied&outcome=denied"), deps, auditor);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/ndjson/);
    expect(res.headers.get("content-disposition")).toMatch(/attachment; filename="audit-.*\.jsonl"/);
    const exported = (await res.text()).trim().split("\n").map((l) => JSON.parse(l) as { seq: number; type: string });
    const expected = (await queryAudit(db, { types: ["tool.denied"], outcome: "denied" }, { limit: 5000, order: "asc" })).entries;
    expect(exported.length).toBeGreaterThan(0);
    expect(exported.map((e) => e.seq)).toEqual(expected.map((e) => e.seq));
    expect(new Set(exported.map((e) => e.type))).toEqual(new Set(["tool.denied"]));

    const csv = await handleAuditExport(get("/api/audit/export?format=csv&type=tool.denied&outcome=denied"), deps, auditor);
    expect(csv.headers.get("content-type")).toMatch(/text\/csv/);
    const lines = (await csv.text()).split("\r\n").filter(Boolean);
    expect(lines.length).toBe(expected.length + 1);
  });

  it("publishes signed checkpoints, latest first, with the key that verifies them", async () => {
    const signer = derivedCheckpointSigner(deps.config.keyEncryptionKey);
    await maybeCheckpoint(db, signer, { everySeconds: 0, now: new Date(Date.now() - 60_000) });
    await fillChain(db, 5, 2);
    await maybeCheckpoint(db, signer, { everySeconds: 0 });
    const res = await handleCheckpoints(get("/api/audit/checkpoints"), deps, signer);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { key: { kty: string; d?: string }; checkpoints: { seq: number; jws: string }[] };
    expect(body.key).toMatchObject({ kty: "EC", crv: "P-256" });
    expect(body.key.d).toBeUndefined();
    expect(body.checkpoints.map((c) => c.seq)).toEqual([305, 300]);
    expect(await signer.verify(body.checkpoints[0]!.jws)).toMatchObject({ seq: 305 });
    expect((await handleCheckpoints(get("/api/audit/checkpoints?limit=0"), deps, signer)).status).toBe(400);
  });
});
