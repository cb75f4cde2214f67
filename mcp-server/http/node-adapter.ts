// Serves a Web-standard handler `(Request) => Promise<Response>` from node:http, so the MCP
// server's logic is written against Request/Response like the rest of the codebase.
import { createServer, type Server, type ServerResponse } from "node:http";
import { toWebRequest } from "@/lib/http/node-request";
import { errorMessage } from "@/lib/error-message";

export type WebHandler = (req: Request) => Promise<Response>;

async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name === "set-cookie") return;
    headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) headers["set-cookie"] = cookies;
  if (!response.body) {
    res.writeHead(response.status, headers).end();
    return;
  }
  if (!(response.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    // A whole answer (JSON-RPC results, errors, metadata): headers and body leave in one write
    // with a Content-Length, instead of a chunk per body part and a closing chunk, each its own
    // socket write (about 8 % of the MCP server's CPU under send load, docs/benchmarks.md).
    const body = Buffer.from(await response.arrayBuffer());
    headers["content-length"] = String(body.byteLength);
    res.writeHead(response.status, headers).end(body);
    return;
  }
  // An SSE stream is written as its events come.
  res.writeHead(response.status, headers);
  const reader = response.body.getReader();
  res.on("close", () => void reader.cancel().catch(() => undefined));
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      res.write(value);
    }
  } finally {
    res.end();
  }
}

/**
 * `origin` is the base for request URLs: the server's own bind address, never the Host
 * header (handlers use configured public URLs for anything security-relevant).
 */
export function serveWeb(handler: WebHandler, origin: string): Server {
  return createServer((req, res) => {
    let url: string;
    try {
      url = new URL(req.url ?? "/", origin).toString();
    } catch {
      res.writeHead(400, { "Content-Type": "application/json", "Cache-Control": "no-store" }).end(JSON.stringify({ error: "invalid_request" }));
      return;
    }
    toWebRequest(req, url)
      .then(
        (request) => handler(request).then((response) => writeResponse(res, response)),
        // The client went away before its declared body arrived: nobody is left to answer.
        () => void res.destroy(),
      )
      .catch((err: unknown) => {
        console.error(`mcp-server: unhandled error: ${errorMessage(err)}`);
        if (!res.headersSent) res.writeHead(500, { "Content-Type": "application/json", "Cache-Control": "no-store" });
        res.end(JSON.stringify({ error: "server_error" }));
      });
  });
}
