// The MCP server's call to the messaging API, against a real HTTP server.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MessagingUnavailableError, postMessage } from "./messaging-client";

interface Seen {
  method?: string;
  url?: string;
  headers: IncomingMessage["headers"];
  body: string;
}

describe("postMessage", () => {
  let server: Server;
  let base = "";
  const seen: Seen[] = [];
  let answer: (path: string) => { status: number; body: string; headers?: Record<string, string> } = () => ({ status: 201, body: "{}" });
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (c: string) => (body += c));
      req.on("end", () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        const a = answer(req.url ?? "");
        res.writeHead(a.status, { "Content-Type": "application/json", ...a.headers });
        res.end(a.body);
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("posts the message with the exchanged token and the Idempotency-Key, and answers the API's status and JSON body", async () => {
    answer = () => ({ status: 201, body: JSON.stringify({ id: "m1", status: "delivered" }) });
    const result = await postMessage(`${base}/api/messages`, "exchanged-token", { to: "+15550100123", body: "hello" }, "mcp:abc");
    expect(result).toEqual({ status: 201, body: { id: "m1", status: "delivered" } });
    const last = seen.at(-1)!;
    expect(last).toMatchObject({ method: "POST", url: "/api/messages", body: JSON.stringify({ to: "+15550100123", body: "hello" }) });
    expect(last.headers).toMatchObject({ authorization: "Bearer exchanged-token", "content-type": "application/json", accept: "application/json", "idempotency-key": "mcp:abc" });
  });

  it("answers an empty body for an answer that is not a JSON object", async () => {
    answer = () => ({ status: 502, body: "<html>bad gateway</html>" });
    await expect(postMessage(`${base}/api/messages`, "t", { to: "+15550100123", body: "x" }, "k1")).resolves.toEqual({ status: 502, body: {} });
    answer = () => ({ status: 200, body: "null" });
    await expect(postMessage(`${base}/api/messages`, "t", { to: "+15550100123", body: "x" }, "k2")).resolves.toEqual({ status: 200, body: {} });
  });

  it("follows no redirect, so the token goes nowhere else", async () => {
    answer = (path) => (path === "/api/messages" ? { status: 307, body: "{}", headers: { Location: "/elsewhere" } } : { status: 201, body: "{}" });
    const before = seen.length;
    await expect(postMessage(`${base}/api/messages`, "t", { to: "+15550100123", body: "x" }, "k3")).resolves.toMatchObject({ status: 307 });
    expect(seen.slice(before).map((s) => s.url)).toEqual(["/api/messages"]);
  });

  it("fails as unavailable when the API cannot be reached", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(postMessage(`http://127.0.0.1:${port}/api/messages`, "t", { to: "+15550100123", body: "x" }, "k4")).rejects.toBeInstanceOf(MessagingUnavailableError);
  });
});
