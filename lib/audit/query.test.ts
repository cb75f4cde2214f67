import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { writeTransaction } from "../db/transaction";
import { testDatabases } from "../../tests/harness/databases";
import { appendAudit } from "./append";
import type { AuditEventInput } from "./events";
import { csvField, exportStream } from "./export";
import { AuditFilterError, filterToParams, parseAuditFilter, type AuditFilter } from "./filter";
import { queryAudit } from "./query";
import { grantEventTypes } from "./timeline";
import { resetChain } from "./testing/chain";

const T0 = Date.parse("2026-11-01T12:00:00Z");
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

// A small, known trail: two grants of two users through two agents, plus noise.
const EVENTS: [number, AuditEventInput][] = [
  [0, { type: "signin.succeeded", outcome: "success", actorType: "user", actorId: "alice", subjectUserId: "alice" }],
  [1, { type: "authorization.requested", outcome: "info", actorType: "agent", actorId: "bot-1", clientId: "bot-1", subjectUserId: "alice", details: { request_id: "req-a" } }],
  [2, { type: "consent.shown", outcome: "info", actorType: "user", actorId: "alice", clientId: "bot-1", subjectUserId: "alice", details: { request_id: "req-a" } }],
  [3, { type: "authorization.requested", outcome: "info", actorType: "agent", actorId: "bot-2", clientId: "bot-2", subjectUserId: "bob", details: { request_id: "req-b" } }],
  [4, { type: "consent.approved", outcome: "success", actorType: "user", actorId: "alice", clientId: "bot-1", subjectUserId: "alice", grantId: "grant-a", details: { request_id: "req-a" } }],
  [5, { type: "token.issued", outcome: "success", actorType: "agent", actorId: "bot-1", clientId: "bot-1", subjectUserId: "alice", grantId: "grant-a" }],
  [6, { type: "tool.allowed", outcome: "success", actorType: "service", actorId: "mcp", clientId: "bot-1", subjectUserId: "alice", grantId: "grant-a" }],
  [7, { type: "message.delivered", outcome: "success", actorType: "service", actorId: "mcp", clientId: "bot-1", subjectUserId: "alice", grantId: "grant-a", details: { body_sha256: "ab", body_length: 5 } }],
  [8, { type: "consent.denied", outcome: "denied", actorType: "user", actorId: "bob", clientId: "bot-2", subjectUserId: "bob", reason: "User said NO", details: { request_id: "req-b" } }],
  [9, { type: "tool.denied", outcome: "denied", actorType: "service", actorId: "mcp", clientId: "bot-1", subjectUserId: "alice", grantId: "grant-a", reason: "recipient +15550100999 is not allowed by this grant" }],
  [10, { type: "tool.denied", outcome: "denied", actorType: "service", actorId: "mcp", clientId: "bot-1", subjectUserId: "alice", grantId: "grant-a", reason: "quota spent: 100% of 3 messages used" }],
  [11, { type: "grant.revoked", outcome: "success", actorType: "user", actorId: "alice", clientId: "bot-1", subjectUserId: "alice", grantId: "grant-a", reason: "=HYPERLINK(\"http://evil\",\"x\")" }],
  [12, { type: "signin.failed", outcome: "failure", actorType: "user", actorId: "bob", subjectUserId: "bob", reason: "wrong password, \"twice\"\nthen locked" }],
];

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

/** A strict RFC 4180 reader, to check the export round-trips. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i += 2;
    } else if (c === '"') {
      quoted = !quoted;
      i++;
    } else if (!quoted && c === ",") {
      row.push(field);
      field = "";
      i++;
    } else if (!quoted && c === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i += 2;
    } else {
      field += c;
      i++;
    }
  }
  return rows;
}

describe("audit filter parsing", () => {
  it("reads the console's form fields and round-trips them", () => {
    const f = parseAuditFilter(new URLSearchParams("user=alice&agent=&type=tool.denied&type=tool.allowed&outcome=denied&from=2026-11-01T12:00&q=quota"));
    expect(f).toEqual({ userId: "alice", types: ["tool.denied", "tool.allowed"], outcome: "denied", from: new Date("2026-11-01T12:00:00Z"), q: "quota" });
    expect(parseAuditFilter(filterToParams(f))).toEqual(f);
  });

  it("rejects bad input with a clear message", () => {
    expect(() => parseAuditFilter(new URLSearchParams("type=token.stolen"))).toThrow(/type is not a known event type/);
    expect(() => parseAuditFilter(new URLSearchParams("from=yesterday"))).toThrow(AuditFilterError);
    expect(() => parseAuditFilter(new URLSearchParams("outcome=maybe"))).toThrow(/outcome must be one of/);
    expect(() => parseAuditFilter(new URLSearchParams("from=2026-11-02T00:00&to=2026-11-01T00:00"))).toThrow(/from is after to/);
  });

  it("neutralises spreadsheet formulas and quotes per RFC 4180", () => {
    expect(csvField("=1+1")).toBe("'=1+1");
    expect(csvField("-2")).toBe("'-2");
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField('a,"b"')).toBe('"a,""b"""');
    expect(csvField("plain")).toBe("plain");
    expect(csvField(null)).toBe("");
    expect(csvField(42)).toBe("42");
  });
});

describe.each(testDatabases())("audit queries and export on $name", (target) => {
  let db: Db;
  beforeAll(async () => {
    db = await target.open();
    await resetChain(db);
    for (const [minute, e] of EVENTS) await writeTransaction(db, (tx) => appendAudit(tx, e, at(minute)));
  });
  afterAll(() => target.close());

  const seqs = async (f: AuditFilter) => (await queryAudit(db, f, { limit: 100 })).entries.map((e) => e.seq);

  it("filters by user, agent, grant, type, outcome, time range and reason text", async () => {
    expect(await seqs({})).toEqual([13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(await seqs({ userId: "bob" })).toEqual([13, 9, 4]);
    expect(await seqs({ clientId: "bot-2" })).toEqual([9, 4]);
    expect(await seqs({ grantId: "grant-a" })).toEqual([12, 11, 10, 8, 7, 6, 5]);
    expect(await seqs({ types: ["tool.denied", "tool.allowed"] })).toEqual([11, 10, 7]);
    expect(await seqs({ outcome: "denied", clientId: "bot-1" })).toEqual([11, 10]);
    expect(await seqs({ from: at(3), to: at(5) })).toEqual([6, 5, 4]);
    expect(await seqs({ q: "QUOTA" })).toEqual([11]);
    expect(await seqs({ q: "100%" })).toEqual([11]);
    expect(await seqs({ q: "%" })).toEqual([11]); // a literal percent sign, not a wildcard
    expect(await seqs({ q: "said no", userId: "alice" })).toEqual([]);
  });

  it("reads a time range the same through the time index or along seq (wide ranges)", async () => {
    for (const f of [{ from: at(3), to: at(9) }, { from: at(5) }, { to: at(4), userId: "alice" }] as AuditFilter[]) {
      const narrow = (await queryAudit(db, f, { limit: 100 })).entries.map((e) => e.seq);
      const wide = (await queryAudit(db, f, { limit: 100, wideRangeRows: 1 })).entries.map((e) => e.seq);
      expect(wide).toEqual(narrow);
      expect(narrow.length).toBeGreaterThan(0);
    }
  });

  it("pages with a keyset cursor, newest first, without gaps or repeats", async () => {
    const seen: number[] = [];
    let cursor: number | undefined;
    let pages = 0;
    do {
      const page = await queryAudit(db, { userId: "alice" }, { cursor, limit: 3 });
      seen.push(...page.entries.map((e) => e.seq));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor !== undefined);
    expect(seen).toEqual(await seqs({ userId: "alice" }));
    expect(pages).toBe(Math.ceil(seen.length / 3));
  });

  it("pages a reason search through bounded windows without losing a match", async () => {
    const all = await seqs({ q: "e" }); // unwindowed reference: every reason containing "e"
    const seen: number[] = [];
    let cursor: number | undefined;
    let pages = 0;
    do {
      const page = await queryAudit(db, { q: "e" }, { cursor, limit: 2, searchWindow: 3 });
      seen.push(...page.entries.map((e) => e.seq));
      if (page.entries.length < 2 && page.nextCursor !== null) expect(page.searchedFrom).toBe(page.nextCursor);
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor !== undefined && pages < 50);
    expect(seen).toEqual(all);
    expect(all.length).toBeGreaterThan(3);
  });

  it("exports exactly the filtered entries as JSONL, oldest first", async () => {
    const filter: AuditFilter = { clientId: "bot-1", outcome: "denied" };
    const lines = (await readAll(exportStream(db, filter, "jsonl", 1))).trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.seq)).toEqual([10, 11]);
    expect(lines[0]).toMatchObject({ type: "tool.denied", client_id: "bot-1", grant_id: "grant-a", outcome: "denied", details: {} });
    expect(lines[0].hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("exports exactly the filtered entries as CSV that round-trips, formulas neutralised", async () => {
    const text = await readAll(exportStream(db, { userId: "alice" }, "csv", 2));
    const rows = parseCsv(text);
    expect(rows[0]).toEqual(["seq", "time", "actor_type", "actor_id", "subject_user_id", "client_id", "grant_id", "type", "outcome", "reason", "details", "prev_hash", "hash"]);
    expect(rows.slice(1).map((r) => Number(r[0]))).toEqual([...(await seqs({ userId: "alice" }))].reverse());
    const revoked = rows.find((r) => r[7] === "grant.revoked")!;
    expect(revoked[9]).toBe("'=HYPERLINK(\"http://evil\",\"x\")");
    const bob = parseCsv(await readAll(exportStream(db, { userId: "bob", outcome: "failure" }, "csv")));
    expect(bob[1]?.[9]).toBe('wrong password, "twice"\nthen locked');
  });

  it("gives a grant's event-type sequence from request to last event", async () => {
    expect(await grantEventTypes(db, "grant-a")).toEqual([
      "authorization.requested",
      "consent.shown",
      "consent.approved",
      "token.issued",
      "tool.allowed",
      "message.delivered",
      "tool.denied",
      "tool.denied",
      "grant.revoked",
    ]);
    expect(await grantEventTypes(db, "no-such-grant")).toEqual([]);
  });
});
