// A kept-alive connection left idle longer than Node's default 5 s is still open and serves the
// next request on the same socket (./keep-alive.ts), so a client reusing it does not race the
// server's close.
import { Agent, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keepIdleConnections } from "./keep-alive";

describe("idle keep-alive connections", () => {
  const server = createServer((_req, res) => res.end("ok"));
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let port = 0;
  beforeAll(async () => {
    keepIdleConnections(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    agent.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const get = () =>
    new Promise<{ body: string; reused: boolean }>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path: "/", agent }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ body, reused: req.reusedSocket }));
      });
      req.on("error", reject);
      req.end();
    });

  it("stay open after 6 s of idleness and serve the next request on the same socket", async () => {
    expect(await get()).toEqual({ body: "ok", reused: false });
    await new Promise((r) => setTimeout(r, 6_000));
    expect(await get()).toEqual({ body: "ok", reused: true });
  }, 15_000);
});
