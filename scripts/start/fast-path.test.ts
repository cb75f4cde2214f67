// The web server's fast path answers the machine endpoints exactly as the Next.js route files
// do: the route files export the very handlers of lib/machine-routes.ts, and over real HTTP
// through the web server's own request listener an answer has the status, headers and body of
// the same handler called directly plus the path's next.config.ts headers. Other methods and
// other spellings of the paths go to Next.js. The client's address is stamped and the rate
// limits count on the fast path too; an issued token is audited.
import { once } from "node:events";
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as introspectRoute from "../../app/oauth/introspect/route";
import * as jwksRoute from "../../app/oauth/jwks/route";
import * as revokeRoute from "../../app/oauth/revoke/route";
import * as tokenRoute from "../../app/oauth/token/route";
import * as asMetadataRoute from "../../app/.well-known/oauth-authorization-server/route";
import * as messagesMetadataRoute from "../../app/.well-known/oauth-protected-resource/api/messages/route";
import * as messagesRoute from "../../app/api/messages/route";
import { CLIENT_ADDRESS_HEADER } from "../../lib/auth/client-ip";
import type { Db } from "../../lib/db/client";
import { securityHeadersFor } from "../../lib/http/security-headers";
import { createMachineRoutes, MACHINE_ROUTES, type MachinePath, type MachineRoutes } from "../../lib/machine-routes";
import { createMessagingApiContext, type MessagingApiContext } from "../../lib/messaging/api/context";
import { makeClient } from "../../lib/oauth/token/test-fixtures";
import { GRANT_TYPES } from "../../lib/oauth/supported";
import { testDatabases } from "../../tests/harness/databases";
import { testDeps, type TestDeps } from "../../tests/harness/test-deps";
import { createRequestListener } from "./listener";

const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];
const ROUTE_FILES: Record<MachinePath, Record<string, unknown>> = {
  "/oauth/token": tokenRoute,
  "/oauth/introspect": introspectRoute,
  "/oauth/revoke": revokeRoute,
  "/oauth/jwks": jwksRoute,
  "/.well-known/oauth-authorization-server": asMetadataRoute,
  "/.well-known/oauth-protected-resource/api/messages": messagesMetadataRoute,
  "/api/messages": messagesRoute,
};

describe("machine route table", () => {
  it.each(Object.keys(ROUTE_FILES) as MachinePath[])("%s: the route file exports exactly the table's handlers (checklist 185)", (path) => {
    const file = ROUTE_FILES[path];
    const route = MACHINE_ROUTES[path] as Record<string, unknown>;
    expect(HTTP_METHODS.filter((m) => m in file).sort()).toEqual(Object.keys(route).sort());
    for (const method of Object.keys(route)) expect(file[method]).toBe(route[method]);
  });
});

const NEXT_STAND_IN = 418; // answers what would go to Next.js, so the test sees which way a request took
const VOLATILE = new Set(["date", "connection", "keep-alive", "content-length", "transfer-encoding"]);

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

async function answerOf(res: Response): Promise<Answer> {
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (!VOLATILE.has(name)) headers[name] = value;
  });
  return { status: res.status, headers, body: await res.text() };
}

async function listen(routes: MachineRoutes): Promise<{ server: Server; base: string }> {
  const next = async (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(NEXT_STAND_IN).end("next");
  };
  const server = createServer(createRequestListener({ trustProxy: 0, host: "127.0.0.1:3000", routes, next }));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;
const form = { "content-type": "application/x-www-form-urlencoded" };

describe.each(testDatabases())("web server fast path on $name", (target) => {
  let db: Db;
  let deps: TestDeps;
  let routes: MachineRoutes;
  let server: Server;
  let base: string;

  const routesFor = (d: TestDeps): MachineRoutes => {
    let messaging: MessagingApiContext | undefined;
    return createMachineRoutes({ deps: () => d, messaging: () => (messaging ??= createMessagingApiContext(d)) });
  };

  beforeAll(async () => {
    db = await target.open();
    deps = testDeps(db);
    routes = routesFor(deps);
    ({ server, base } = await listen(routes));
  });
  afterAll(async () => {
    server?.close();
    await target.close();
  });

  const cases: { name: string; method: string; path: MachinePath; headers?: Record<string, string>; body?: string }[] = [
    { name: "token, no client", method: "POST", path: "/oauth/token", headers: form, body: "grant_type=client_credentials" },
    { name: "token, unknown client (Basic)", method: "POST", path: "/oauth/token", headers: { ...form, authorization: basic("nobody", "x") }, body: "grant_type=client_credentials" },
    { name: "token, unsupported grant type", method: "POST", path: "/oauth/token", headers: form, body: "grant_type=password" },
    { name: "token, body over the limit", method: "POST", path: "/oauth/token", headers: form, body: `grant_type=client_credentials&x=${"a".repeat(70_000)}` },
    { name: "token, GET is 405", method: "GET", path: "/oauth/token" },
    { name: "token, CORS preflight", method: "OPTIONS", path: "/oauth/token", headers: { origin: "https://app.example" } },
    { name: "token, cross-origin error", method: "POST", path: "/oauth/token", headers: { ...form, origin: "https://app.example" }, body: "grant_type=client_credentials" },
    { name: "introspection, no client", method: "POST", path: "/oauth/introspect", headers: form, body: "token=x" },
    { name: "revocation, no client", method: "POST", path: "/oauth/revoke", headers: form, body: "token=x" },
    { name: "JWKS", method: "GET", path: "/oauth/jwks" },
    { name: "AS metadata, cross-origin", method: "GET", path: "/.well-known/oauth-authorization-server", headers: { origin: "https://app.example" } },
    { name: "messaging API metadata", method: "GET", path: "/.well-known/oauth-protected-resource/api/messages" },
    { name: "messaging API send, no token", method: "POST", path: "/api/messages", headers: { "content-type": "application/json" }, body: '{"to":"+15550100123","body":"hi"}' },
    { name: "messaging API send, malformed token", method: "POST", path: "/api/messages", headers: { "content-type": "application/json", authorization: "Bearer not-a-jwt" }, body: "{" },
  ];

  it.each(cases)("$name: the same answer as the handler called directly, with the path's security headers (checklist 185)", async (c) => {
    const over = await answerOf(await fetch(base + c.path, { method: c.method, headers: c.headers, body: c.body }));
    const handler = (routes[c.path] as Record<string, (req: Request) => Response | Promise<Response>>)[c.method]!;
    const direct = await answerOf(
      await handler(new Request(`http://127.0.0.1:3000${c.path}`, { method: c.method, headers: { ...c.headers, [CLIENT_ADDRESS_HEADER]: "127.0.0.1" }, body: c.body })),
    );
    const expected = { ...direct, headers: { ...Object.fromEntries(securityHeadersFor(c.path)), ...direct.headers } };
    expect(over.status).not.toBe(NEXT_STAND_IN);
    expect(over.status).toBeLessThan(500);
    expect(over).toEqual(expected);
  });

  it.each([
    ["HEAD", "/oauth/jwks"],
    ["PUT", "/oauth/token"],
    ["DELETE", "/api/messages"],
    ["GET", "/api/messages"],
    ["POST", "/oauth/token/"],
    ["POST", "//oauth/token"],
    ["POST", "/oauth/%74oken"],
    ["POST", "/OAUTH/TOKEN"],
    ["GET", "/oauth/authorize"],
  ])("%s %s goes to Next.js (checklist 185)", async (method, path) => {
    const res = await fetch(base + path, { method });
    expect(res.status).toBe(NEXT_STAND_IN);
  });

  it("a body the handler never reads is discarded after the answer, and the connection serves the next request (checklist 185)", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const post = (body: string) =>
      new Promise<{ status: number; reused: boolean }>((resolve, reject) => {
        const req = request(`${base}/api/messages`, { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
          res.resume();
          res.on("end", () => resolve({ status: res.statusCode!, reused: req.reusedSocket }));
        });
        req.on("error", reject);
        req.end(body);
      });
    try {
      expect(await post("x".repeat(2_000_000))).toEqual({ status: 401, reused: false });
      expect(await post("{}")).toEqual({ status: 401, reused: true });
    } finally {
      agent.destroy();
    }
  });

  it("a malformed path is refused before the fast path (checklist 188)", async () => {
    const res = await fetch(`${base}/oauth/token%ED%A0%80`, { method: "POST" });
    expect(res.status).toBe(400);
  });

  it("issues a client_credentials token on the fast path, audited (checklist 189)", async () => {
    const client = await makeClient(db, { secret: "s3cret-value-for-fast-path", grantTypes: [GRANT_TYPES.clientCredentials], scope: "messages:read" });
    const before = await db.auditEvent.count({ where: { type: "token.issued", clientId: client.id } });
    const res = await fetch(`${base}/oauth/token`, {
      method: "POST",
      headers: { ...form, authorization: basic(client.id, client.secret!) },
      body: new URLSearchParams({ grant_type: "client_credentials", scope: "messages:read", resource: deps.config.messagingResourceUrl }).toString(),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const body = (await res.json()) as { access_token: string; token_type: string };
    expect(body.token_type).toBe("Bearer");
    expect(await db.auditEvent.count({ where: { type: "token.issued", clientId: client.id } })).toBe(before + 1);
  });

  it("stamps the client's address over a spoofed one, so the failure budget per address holds (checklist 186)", async () => {
    const limited = testDeps(db, { limits: { ...deps.config.limits, tokenAuthFailuresPerAddressPerMinute: 2 } });
    const { server: s, base: b } = await listen(routesFor(limited));
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${b}/oauth/token`, {
          method: "POST",
          headers: { ...form, authorization: basic("nobody", "wrong"), [CLIENT_ADDRESS_HEADER]: `198.51.100.${i + 1}`, "x-forwarded-for": `203.0.113.${i + 1}` },
          body: "grant_type=client_credentials",
        });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([401, 401, 429]);
    } finally {
      s.close();
    }
  });
});
