// A node:http request as a Web `Request`, for the two places that hand one to a Request ->
// Response handler (the web server's fast path, the MCP server's adapter).
//
// A small body whose length is declared (Content-Length, at most PREBUFFERED_BODY_MAX_BYTES) is
// read in full first and handed to the body reader as bytes (./body.ts, withBufferedBody): a
// token request or a tool call then costs no Web stream machinery, which was about a tenth of
// the web process's CPU on the token path (docs/benchmarks.md). Any other body (larger, or
// chunked) stays a stream that reads the socket only when the handler pulls, so a body the
// handler never reads (an early 401) is discarded by Node after the answer and the connection
// stays usable, and a handler that stops reading (413) cancels it.
import type { IncomingMessage } from "node:http";
import { withBufferedBody } from "./body";
import { webHeaders } from "./node-headers";

/** The largest declared body read in full before the handler runs: the form and JSON-RPC limits. */
export const PREBUFFERED_BODY_MAX_BYTES = 64 * 1024;

function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let chunks: AsyncIterator<Buffer> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        chunks ??= req.iterator({ destroyOnReturn: false });
        const { value, done } = await chunks.next();
        if (done) controller.close();
        else controller.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
      },
      async cancel() {
        await chunks?.return?.();
        req.resume();
      },
    },
    { highWaterMark: 0 }, // no read ahead: nothing is pulled before the handler asks
  );
}

/** The declared length when the body may be read in full first, else null. */
function prebufferable(req: IncomingMessage): number | null {
  const declared = req.headers["content-length"];
  if (declared === undefined || req.headers["transfer-encoding"] !== undefined || !/^\d{1,6}$/.test(declared)) return null;
  const length = Number(declared);
  return length <= PREBUFFERED_BODY_MAX_BYTES ? length : null;
}

async function readAll(req: IncomingMessage, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.byteLength;
  }
  // Node's parser ends the body at the declared length; fewer bytes mean the client went away.
  if (size !== length) throw new Error("the request body ended early");
  return chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, size);
}

/**
 * The request at `url` (each caller decides the URL: never from the Host header for anything
 * security-relevant). Rejects when a declared body could not be read (the client went away).
 */
export async function toWebRequest(req: IncomingMessage, url: string): Promise<Request> {
  const headers = webHeaders(req);
  const method = req.method ?? "GET";
  if (method === "GET" || method === "HEAD") return new Request(url, { method, headers });
  const length = prebufferable(req);
  if (length !== null) {
    const body = await readAll(req, length);
    const bytes = new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength);
    return withBufferedBody(new Request(url, { method, headers, body: bytes }), bytes);
  }
  return new Request(url, { method, headers, body: bodyStream(req), duplex: "half" } as RequestInit);
}
