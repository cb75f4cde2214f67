import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { testDatabases } from "../../tests/harness/databases";
import { testDeps, type TestDeps } from "../../tests/harness/test-deps";
import { authenticateClient } from "../oauth/clients/authenticate";
import { publicJwks } from "../oauth/keys";
import { runAdmin } from "./commands";

describe.each(testDatabases())("admin create-client and rotate-keys on $name", (target) => {
  let db: Db;
  let deps: TestDeps;
  beforeAll(async () => {
    db = await target.open();
    deps = testDeps(db);
  });
  afterAll(() => target.close());

  it("creates a confidential pre-registered client whose secret works once printed and is stored hashed", async () => {
    const out = await runAdmin(["create-client", "Ops Agent", "--redirect-uris", "https://ops.example/cb,http://127.0.0.1/cb", "--id", "ops-agent"], () => deps);
    expect(out.code).toBe(0);
    const secret = /client_secret: (\S+)/.exec(out.stdout)![1];
    const row = await db.client.findUniqueOrThrow({ where: { id: "ops-agent" } });
    expect(row).toMatchObject({ kind: "preregistered", verified: true, name: "Ops Agent", tokenEndpointAuthMethod: "client_secret_basic" });
    expect(row.secretHash).not.toBe(secret);
    const form = new URLSearchParams();
    const req = new Request("http://localhost:3000/oauth/token", {
      method: "POST",
      headers: { authorization: `Basic ${Buffer.from(`ops-agent:${secret}`).toString("base64")}` },
    });
    expect((await authenticateClient(req, form, deps)).id).toBe("ops-agent");
    expect(await db.auditEvent.count({ where: { type: "client.registered", clientId: "ops-agent" } })).toBe(1);
    const again = await runAdmin(["create-client", "Ops Agent", "--redirect-uris", "https://ops.example/cb", "--id", "ops-agent"], () => deps);
    expect(again).toMatchObject({ code: 1, stderr: expect.stringMatching(/already exists/) });
  });

  it("allows the operator to grant client_credentials, and rejects bad metadata with a usage error", async () => {
    const ok = await runAdmin(["create-client", "Batch", "--grant-types", "client_credentials"], () => deps);
    expect(ok.code).toBe(0);
    const bad = await runAdmin(["create-client", "Bad", "--redirect-uris", "http://evil.example/cb"], () => deps);
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringMatching(/loopback/) });
  });

  it("rotates keys: the new key is published at once", async () => {
    const first = await runAdmin(["rotate-keys", "--activate-in", "0"], () => deps);
    expect(first.code).toBe(0);
    const out = await runAdmin(["rotate-keys"], () => deps);
    const kid = /New signing key (\S+) published/.exec(out.stdout)![1];
    expect(out.stdout).toMatch(/Retired/);
    expect((await publicJwks(deps)).keys.map((k) => k.kid)).toContain(kid);
    expect(await runAdmin(["rotate-keys", "--activate-in", "soon"], () => deps)).toMatchObject({ code: 2 });
  });
});
