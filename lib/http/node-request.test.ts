// Node requests as Web Requests (node-request.ts) over real HTTP: a small declared body is read
// in full first and decoded by the body reader without a stream, a larger or chunked one stays a
// stream under the reader's running limit, and a client that leaves before its declared body
// arrives makes the conversion reject without taking the server down.
import { once } from "node:events";
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBodyText } from "./body";
import { PREBUFFERED_BODY_MAX_BYTES, toWebRequest } from "./node-request";

describe("node requests as Web Requests", () => {
  let server: Server;
  let port: number;
  let handle: (req: IncomingMessage) => Promise<string>;
  const failures: unknown[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      handle(req).then(
        (text) => res.end(text),
        (err: unknown) => {
          failures.push(err);
          if (!res.destroyed) res.writeHead(400).end(err instanceof Error ? err.message : "error");
        },
      );
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const post = (body: string | Buffer, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, method: "POST", path: "/x", headers }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on("error", reject);
      req.end(body);
    });

  it("a small declared body reaches both the body reader and the Request's own body", async () => {
    handle = async (req) => {
      const web = await toWebRequest(req, `http://127.0.0.1:${port}${req.url}`);
      const viaReader = await readBodyText(web, 1024);
      return `${viaReader}|${await web.text()}`;
    };
    expect(await post("grant_type=client_credentials")).toEqual({ status: 200, text: "grant_type=client_credentials|grant_type=client_credentials" });
  });

  it("a prebuffered body keeps the reader's limit and its strict UTF-8", async () => {
    handle = async (req) => readBodyText(await toWebRequest(req, `http://127.0.0.1:${port}/x`), 8);
    expect(await post("0123456789")).toMatchObject({ status: 400, text: expect.stringContaining("larger than 8 bytes") });
    expect(await post(Buffer.from([0x61, 0xff, 0x62]))).toMatchObject({ status: 400, text: expect.stringContaining("not valid UTF-8") });
  });

  it("a chunked body and one declared larger than the prebuffer limit stay streams under the reader's running limit", async () => {
    handle = async (req) => readBodyText(await toWebRequest(req, `http://127.0.0.1:${port}/x`), 16);
    expect(await post("a".repeat(100), { "Transfer-Encoding": "chunked" })).toMatchObject({ status: 400, text: expect.stringContaining("larger than 16 bytes") });
    handle = async (req) => {
      const text = await readBodyText(await toWebRequest(req, `http://127.0.0.1:${port}/x`), PREBUFFERED_BODY_MAX_BYTES * 2);
      return String(text.length);
    };
    expect(await post("b".repeat(PREBUFFERED_BODY_MAX_BYTES + 1))).toEqual({ status: 200, text: String(PREBUFFERED_BODY_MAX_BYTES + 1) });
  });

  it("a client that leaves before its declared body arrives: the conversion rejects and the server keeps serving", async () => {
    const left = new Promise<void>((resolve) => {
      handle = async (req) => {
        try {
          return await toWebRequest(req, `http://127.0.0.1:${port}/x`).then(() => "unexpected");
        } finally {
          resolve();
        }
      };
    });
    const socket = connect(port, "127.0.0.1");
    await once(socket, "connect");
    socket.write("POST /x HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nonly ten b");
    await new Promise((r) => setTimeout(r, 50));
    socket.destroy();
    await left;
    expect(failures.at(-1)).toBeInstanceOf(Error);
    handle = async () => "still up";
    expect(await post("x")).toEqual({ status: 200, text: "still up" });
  });
});
