import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../../db/client";
import { testDatabases } from "../../../tests/harness/databases";
import { testDeps, type TestDeps } from "../../../tests/harness/test-deps";
import { isAllowedAddress } from "./ssrf-guard";
import { findClient } from "./find";

describe("the SSRF guard's address policy", () => {
  it.each(["8.8.8.8", "2606:4700::1"])("allows public %s", (a) => expect(isAllowedAddress(a, false)).toBe(true));
  it.each(["127.0.0.1", "10.1.2.3", "192.168.1.1", "169.254.169.254", "::1", "fd00::1", "::ffff:127.0.0.1", "0.0.0.0", "100.64.0.1"])(
    "refuses %s in production",
    (a) => expect(isAllowedAddress(a, false)).toBe(false),
  );
  it("allows loopback only when private fetches are allowed (development), never link-local", () => {
    expect(isAllowedAddress("127.0.0.1", true)).toBe(true);
    expect(isAllowedAddress("169.254.169.254", true)).toBe(false);
  });
});

// A local document server stands in for the client's website (loopback: development mode).
interface Doc {
  status?: number;
  type?: string;
  body: string;
  cacheControl?: string;
  delayMs?: number;
}
let docs: Record<string, Doc> = {};
let hits: Record<string, number> = {};
let server: Server;
let base = "";

beforeAll(async () => {
  server = createServer((req, res) => {
    const doc = docs[req.url ?? ""];
    hits[req.url ?? ""] = (hits[req.url ?? ""] ?? 0) + 1;
    if (!doc) return void res.writeHead(404).end();
    setTimeout(() => {
      res.writeHead(doc.status ?? 200, { "content-type": doc.type ?? "application/json", ...(doc.cacheControl ? { "cache-control": doc.cacheControl } : {}) });
      res.end(doc.body);
    }, doc.delayMs ?? 0);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe.each(testDatabases())("client metadata documents on $name", (target) => {
  let db: Db;
  let deps: TestDeps;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => target.close());
  beforeEach(() => {
    deps = testDeps(db, { allowPrivateMetadataFetch: true });
    docs = {};
    hits = {};
  });
  const serve = (path: string, doc: Record<string, unknown> | string, extra: Partial<Doc> = {}) => {
    const id = `${base}${path}`;
    docs[path] = { body: typeof doc === "string" ? doc : JSON.stringify({ client_id: id, ...doc }), ...extra };
    return id;
  };

  it("registers the client from its document and caches it", async () => {
    const id = serve(`/${target.name}/agent.json`, { client_name: "Doc Agent", redirect_uris: ["http://127.0.0.1/cb"] }, { cacheControl: "max-age=120" });
    const client = await findClient(deps, id);
    expect(client).toMatchObject({ id, kind: "metadata_document", name: "Doc Agent", tokenEndpointAuthMethod: "none", redirectUris: ["http://127.0.0.1/cb"] });
    expect(await findClient(deps, id)).toMatchObject({ id });
    expect(hits[`/${target.name}/agent.json`]).toBe(1);
    deps.advance(121);
    docs[`/${target.name}/agent.json`]!.body = JSON.stringify({ client_id: id, redirect_uris: ["http://127.0.0.1/other"] });
    expect((await findClient(deps, id))?.redirectUris).toEqual(["http://127.0.0.1/other"]);
    expect(hits[`/${target.name}/agent.json`]).toBe(2);
    expect(await db.auditEvent.count({ where: { type: "client.registered", clientId: id } })).toBe(1);
  });

  it.each([
    ["a client_id that is not the URL", { client_id: "https://other.example/x", redirect_uris: ["http://127.0.0.1/cb"] }, {}, /does not equal/],
    ["a shared-secret auth method", { token_endpoint_auth_method: "client_secret_basic", redirect_uris: ["http://127.0.0.1/cb"] }, {}, /not allowed/],
    ["a non-JSON content type", { redirect_uris: ["http://127.0.0.1/cb"] }, { type: "text/html" }, /application\/json/],
    ["an HTTP error", { redirect_uris: ["http://127.0.0.1/cb"] }, { status: 500 }, /HTTP 500/],
    ["a redirect", { redirect_uris: ["http://127.0.0.1/cb"] }, { status: 302 }, /HTTP 302/],
    ["an oversized document", { redirect_uris: ["http://127.0.0.1/cb"], client_name: "x".repeat(20_000) }, {}, /larger than/],
    ["a slow server", { redirect_uris: ["http://127.0.0.1/cb"] }, { delayMs: 6000 }, /no answer within/],
  ])("refuses %s", async (_what, doc, extra, why) => {
    const path = `/${target.name}/${Math.random().toString(36).slice(2)}.json`;
    const id = serve(path, doc, extra);
    await expect(findClient(deps, id)).rejects.toThrow(why);
    expect(await db.client.findUnique({ where: { id } })).toBeNull();
  }, 10_000);

  it("refuses loopback documents when private fetches are not allowed (production)", async () => {
    const prod = testDeps(db, { allowPrivateMetadataFetch: false });
    const id = serve(`/${target.name}/prod.json`, { redirect_uris: ["https://a.example/cb"] });
    // In production an http:// client_id is not a metadata document at all, and https to loopback is refused.
    expect(await findClient(prod, id)).toBeNull();
    await expect(findClient(prod, `https://127.0.0.1:1/${target.name}/x.json`)).rejects.toThrow(/disallowed address/);
    await expect(findClient(prod, `https://localhost:1/${target.name}/x.json`)).rejects.toThrow(/disallowed address/);
  });
});
