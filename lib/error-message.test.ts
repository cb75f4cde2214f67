// errorMessage (lib/error-message.ts) on real errors: Prisma's from a real database on each
// provider, Node's when no address of a host answers, and text with line breaks.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Db } from "./db";
import { errorMessage } from "./error-message";
import { oauthErrorResponse } from "./oauth/errors";
import { testDatabases } from "../tests/harness/databases";

const SECRET = "s3cret-value-9f2c";

async function caught(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a failure");
}

describe.each(testDatabases())("errorMessage on $name (checklist 223)", (target) => {
  let db: Db;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());

  it("names a Prisma validation error's cause without the values the call was given", async () => {
    const err = await caught(() => db.user.findFirst({ where: { email: SECRET, passwordHash: { equals: 7 as unknown as string } } }));
    expect((err as Error).message).toContain(SECRET); // what logging err.message used to print
    const line = errorMessage(err);
    expect(line).not.toContain(SECRET);
    expect(line).not.toContain("\n");
    expect(line).toMatch(/^PrismaClientValidationError: /);
    expect(line).toContain("Invalid value provided");
  });

  it("keeps a known error's code and cause, not the source around the call", async () => {
    await db.user.create({ data: { email: "taken@example.com", passwordHash: "x" } });
    const err = await caught(() => db.user.create({ data: { email: "taken@example.com", passwordHash: SECRET } }));
    const line = errorMessage(err);
    expect(line).toMatch(/^PrismaClientKnownRequestError: P2002: Unique constraint failed/);
    expect(line).not.toContain(SECRET);
    expect(line).not.toContain("error-message.test.ts");
  });

  it("keeps a raw statement's database error", async () => {
    const err = await caught(() => db.$executeRawUnsafe(`INSERT INTO "NoSuchTable" VALUES ($1)`, SECRET));
    const line = errorMessage(err);
    expect(line).toMatch(/^PrismaClientKnownRequestError: P2010: Raw query failed/);
    expect(line).toMatch(/nosuchtable/i);
    expect(line).not.toContain(SECRET);
  });

  it("is what an endpoint logs for an unexpected error", async () => {
    const err = await caught(() => db.user.findFirst({ where: { email: SECRET, passwordHash: { equals: 7 as unknown as string } } }));
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const res = oauthErrorResponse(err);
      expect(res.status).toBe(500);
      const printed = log.mock.calls.flat().map(String).join(" ");
      expect(printed).toContain("PrismaClientValidationError");
      expect(printed).not.toContain(SECRET);
    } finally {
      log.mockRestore();
    }
  });
});

describe("errorMessage", () => {
  it("names every address refused when none of a host's answers (an AggregateError with no message of its own)", async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    // Two addresses for one name, so Node tries both (autoSelectFamily) and reports both.
    const lookup = ((_host: string, _opts: unknown, cb: (err: null, addresses: { address: string; family: number }[]) => void) =>
      cb(null, [
        { address: "127.0.0.1", family: 4 },
        { address: "127.0.0.2", family: 4 },
      ])) as unknown as net.LookupFunction;
    const err = await new Promise<unknown>((resolve) => {
      const socket = net.connect({ host: "db.invalid", port, lookup, autoSelectFamily: true });
      socket.on("error", resolve);
      socket.on("connect", () => {
        socket.destroy();
        resolve(new Error("connected"));
      });
    });
    expect(err).toBeInstanceOf(AggregateError);
    expect((err as Error).message).toBe("");
    expect(errorMessage(err)).toBe(`connect ECONNREFUSED 127.0.0.1:${port}; connect ECONNREFUSED 127.0.0.2:${port}`);
  });

  it("puts a message on one line, so input quoted in it cannot forge another log line", () => {
    expect(errorMessage(new Error("bad value\n2026-12-03 admin: granted\r\n\tall"))).toBe("bad value 2026-12-03 admin: granted all");
  });

  it("cuts a long message", () => {
    const line = errorMessage(new Error("x".repeat(10_000)));
    expect(line).toHaveLength(300);
    expect(line.endsWith("…")).toBe(true);
  });

  it("falls back to the code or the name when there is no message, and describes values that are not errors", () => {
    expect(errorMessage(Object.assign(new Error(""), { code: "ECONNRESET" }))).toBe("ECONNRESET");
    expect(errorMessage(new TypeError(""))).toBe("TypeError");
    expect(errorMessage("plain text")).toBe("plain text");
    expect(errorMessage(undefined)).toBe("undefined");
    expect(errorMessage("")).toBe("unknown error");
  });
});
