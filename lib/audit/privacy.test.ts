import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { writeTransaction } from "../db/transaction";
import { testDatabases } from "../../tests/harness/databases";
import { appendAudit } from "./append";
import { AuditPrivacyError, normaliseDetails } from "./privacy";
import { verifyChain } from "./verify";

const JWT = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlc2lnbmF0dXJl";

describe("audit entry privacy", () => {
  it("refuses a message body, a token or a secret in the details", () => {
    expect(() => normaliseDetails({ body: "Hello Bob" })).toThrow(AuditPrivacyError);
    expect(() => normaliseDetails({ message: { body: "Hello" } })).toThrow(/details\.message\.body/);
    expect(() => normaliseDetails({ access_token: "opaque-value" })).toThrow(AuditPrivacyError);
    expect(() => normaliseDetails({ client_secret: "s3cret" })).toThrow(AuditPrivacyError);
    expect(() => normaliseDetails({ note: `Bearer ${JWT}` })).toThrow(/looks like a token/);
    expect(() => normaliseDetails({ list: [JWT] })).toThrow(/looks like a token/);
  });

  it("accepts hashes, lengths and flags under the same names", () => {
    expect(normaliseDetails({ body_sha256: "ab".repeat(32), body_length: 12, dpop: true, token: { sha256: "ab" } })).toEqual({
      body_sha256: "ab".repeat(32),
      body_length: 12,
      dpop: true,
      token: { sha256: "ab" },
    });
  });

  it("stores details as plain JSON, so what is hashed is what verification re-reads", () => {
    expect(normaliseDetails({ url: new URL("https://a.example/x"), at: new Date(0), skip: undefined })).toEqual({
      url: "https://a.example/x",
      at: "1970-01-01T00:00:00.000Z",
    });
  });
});

describe.each(testDatabases())("audit entry privacy on $name", (target) => {
  let db: Db;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());

  it("rejects an entry carrying a token in its reason and writes nothing", async () => {
    const before = await db.auditEvent.count();
    await expect(
      writeTransaction(db, (tx) => appendAudit(tx, { type: "token.issued", outcome: "success", actorType: "agent", reason: `issued ${JWT}` })),
    ).rejects.toThrow(AuditPrivacyError);
    expect(await db.auditEvent.count()).toBe(before);
  });

  it("keeps the chain verifiable for details that are not plain JSON", async () => {
    await writeTransaction(db, (tx) =>
      appendAudit(tx, { type: "client.registered", outcome: "success", actorType: "agent", details: { z: 1, a: { c: [1, "x"], b: new URL("https://c.example") } } }),
    );
    expect(await verifyChain(db)).toMatchObject({ ok: true });
  });
});
