// A local HTTP server that records every request it receives, for provider tests (real HTTP,
// no mocks). `respond` decides each answer; `delayMs` holds it back, so a test can play a
// provider that accepts a message and then answers too slowly.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export interface RecordingServer {
  url: string;
  requests: RecordedRequest[];
  respond: (req: RecordedRequest) => { status: number; body?: unknown; delayMs?: number };
  close(): Promise<void>;
}

export async function startRecordingServer(): Promise<RecordingServer> {
  const state: RecordingServer = {
    url: "",
    requests: [],
    respond: () => ({ status: 200, body: {} }),
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    // Recorded on arrival: a caller that gives up before the body is read has still reached us.
    const recorded: RecordedRequest = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: "" };
    state.requests.push(recorded);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      recorded.body = Buffer.concat(chunks).toString("utf8");
      const answer = state.respond(recorded);
      const reply = () => {
        if (res.destroyed) return;
        res.writeHead(answer.status, { "Content-Type": "application/json" });
        res.end(JSON.stringify(answer.body ?? {}));
      };
      if (answer.delayMs) setTimeout(reply, answer.delayMs).unref();
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections(); // answers still held back are dropped
    });
  return state;
}
