import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENT_ADDRESS_HEADER, clientIp } from "../../lib/auth/client-ip";
import { stampClientAddress } from "./stamp";

// The web server's stamping step (scripts/start/web-server.ts) over real HTTP: a spoofed
// X-Forwarded-For, or a forged copy of the stamp, does not change the address a handler sees.
describe("client address over HTTP", () => {
  let server: Server;
  let port = 0;
  const seen: (string | null)[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      stampClientAddress(req, 0);
      seen.push(clientIp(req.headers));
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const get = (headers: Record<string, string>) =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path: "/", headers }, (res) => {
        res.resume();
        res.on("end", resolve);
      });
      req.on("error", reject);
      req.end();
    });

  it("checklist 114: with TRUST_PROXY off, a spoofed X-Forwarded-For or a forged stamp does not change the bucket", async () => {
    await get({});
    await get({ "X-Forwarded-For": "198.51.100.7" });
    await get({ "X-Forwarded-For": "198.51.100.8, 198.51.100.9", [CLIENT_ADDRESS_HEADER]: "198.51.100.10" });
    expect(seen).toEqual(["127.0.0.1", "127.0.0.1", "127.0.0.1"]);
  });
});
