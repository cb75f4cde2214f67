import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { agentFetch, retryAfterSeconds } from "./fetch";

type Handler = (req: IncomingMessage, body: string, res: ServerResponse, n: number) => void;

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A real loopback server; `handle` is called with each request and its number (1, 2, ...). */
async function serve(handle: Handler): Promise<{ url: string; seen: { body: string; at: number; done?: number }[] }> {
  const seen: { body: string; at: number; done?: number }[] = [];
  server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const entry = { body, at: Date.now() } as (typeof seen)[number];
    seen.push(entry);
    res.on("finish", () => (entry.done = Date.now()));
    handle(req, body, res, seen.length);
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/oauth/token`, seen };
}

const refreshBody = (token: string) => new URLSearchParams({ grant_type: "refresh_token", refresh_token: token, client_id: "c" });
const post = (f: typeof fetch, url: string, body: URLSearchParams) => f(url, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body });

describe("the sample agent's fetch", () => {
  it("sends a refresh whose answer was lost again with the same refresh token (checklist 177)", async () => {
    const { url, seen } = await serve((req, body, res, n) => {
      if (n === 1) return void req.socket.destroy(); // processed, answer lost
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ refresh_token: "rt_next", n }));
    });
    const res = await post(agentFetch(), url, refreshBody("rt_a"));
    expect(await res.json()).toEqual({ refresh_token: "rt_next", n: 2 });
    expect(seen.map((s) => new URLSearchParams(s.body).get("refresh_token"))).toEqual(["rt_a", "rt_a"]);
  });

  it("gives up on a refresh that does not answer in time and sends it again (checklist 177)", async () => {
    const { url, seen } = await serve((_req, _body, res, n) => {
      if (n === 1) return; // never answers
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    });
    const res = await post(agentFetch({ refreshTimeoutMs: 300 }), url, refreshBody("rt_a"));
    expect(await res.json()).toEqual({ ok: true });
    expect(seen).toHaveLength(2);
  });

  it("stops after its attempts and does not resend an answer the server gave, even an error (checklist 177)", async () => {
    const lost = await serve((req) => void req.socket.destroy());
    await expect(post(agentFetch({ refreshAttempts: 3 }), lost.url, refreshBody("rt_a"))).rejects.toThrow();
    expect(lost.seen).toHaveLength(3);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    const refused = await serve((_req, _body, res) => res.writeHead(400, { "content-type": "application/json" }).end('{"error":"invalid_grant"}'));
    const res = await post(agentFetch(), refused.url, refreshBody("rt_a"));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "invalid_grant" });
    expect(refused.seen).toHaveLength(1);
  });

  it("refreshes one request at a time, and requests with the same refresh token share one answer (checklist 177)", async () => {
    const { url, seen } = await serve((_req, body, res, n) => {
      setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ n, rt: new URLSearchParams(body).get("refresh_token") })), 100);
    });
    const f = agentFetch();
    const answers = await Promise.all([post(f, url, refreshBody("rt_a")), post(f, url, refreshBody("rt_a")), post(f, url, refreshBody("rt_b"))]);
    const bodies = await Promise.all(answers.map((r) => r.json()));
    expect(bodies).toEqual([{ n: 1, rt: "rt_a" }, { n: 1, rt: "rt_a" }, { n: 2, rt: "rt_b" }]);
    expect(seen).toHaveLength(2);
    // The second refresh started only after the first was answered.
    expect(seen[1]?.at).toBeGreaterThanOrEqual(seen[0]!.done!);
  });

  it("waits out Retry-After on 429 and 503, and hands back a wait longer than it allows (checklist 177)", async () => {
    const waited: number[] = [];
    const sleep = async (ms: number) => void waited.push(ms);
    const { url, seen } = await serve((_req, _body, res, n) => {
      if (n === 1) return void res.writeHead(429, { "retry-after": "2" }).end();
      if (n === 2) return void res.writeHead(503, { "retry-after": "1" }).end();
      if (n === 3) return void res.writeHead(200, { "content-type": "application/json" }).end("{}");
      res.writeHead(429, { "retry-after": "3600" }).end();
    });
    const f = agentFetch({ sleep });
    expect((await post(f, url, refreshBody("rt_a"))).status).toBe(200);
    expect(waited).toEqual([2000, 1000]);
    expect(seen).toHaveLength(3);
    // Not a refresh, and a wait beyond the bound: the 429 is the answer.
    const res = await f(url, { method: "POST", body: "{}" });
    expect(res.status).toBe(429);
    expect(waited).toEqual([2000, 1000]);
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const at = Date.parse("2026-12-01T10:00:00Z");
    expect(retryAfterSeconds(new Response(null, { headers: { "retry-after": "7" } }), at)).toBe(7);
    expect(retryAfterSeconds(new Response(null, { headers: { "retry-after": "Tue, 01 Dec 2026 10:00:30 GMT" } }), at)).toBe(30);
    expect(retryAfterSeconds(new Response(null, { headers: { "retry-after": "soon" } }), at)).toBeNull();
    expect(retryAfterSeconds(new Response(null), at)).toBeNull();
  });
});
