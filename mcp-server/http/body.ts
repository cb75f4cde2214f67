// Reading a JSON-RPC request body defensively: the right content type, a size limit checked
// while streaming (a lying Content-Length cannot get past it), and valid JSON. Every failure
// is a 4xx with a JSON-RPC error object; nothing here can take the process down.
export const MAX_BODY_BYTES = 256 * 1024;

export class BodyError extends Error {
  constructor(
    readonly status: number,
    readonly rpcCode: number,
    message: string,
  ) {
    super(message);
  }

  response(headers: Record<string, string> = {}): Response {
    // After refusing an oversized body part of it is still unread: close the connection rather
    // than leave the rest to be parsed as the next request.
    const close: Record<string, string> = this.status === 413 ? { Connection: "close" } : {};
    return Response.json({ jsonrpc: "2.0", error: { code: this.rpcCode, message: this.message }, id: null }, { status: this.status, headers: { ...headers, ...close } });
  }
}

export async function readJsonRpcBody(req: Request, limit = MAX_BODY_BYTES): Promise<unknown> {
  const type = (req.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/json") throw new BodyError(415, -32600, "Content-Type must be application/json.");
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > limit) throw new BodyError(413, -32600, `The request body is larger than ${limit} bytes.`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (req.body) {
    const reader = req.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        throw new BodyError(413, -32600, `The request body is larger than ${limit} bytes.`);
      }
      chunks.push(value);
    }
  }
  const text = Buffer.concat(chunks).toString("utf8");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new BodyError(400, -32700, "Parse error: the body is not valid JSON.");
  }
  // JSON-RPC 2.0 section 6: an empty batch is an Invalid Request, answered with one error (the
  // SDK would take it for a batch of notifications and answer 202 Accepted).
  if (Array.isArray(body) && body.length === 0) throw new BodyError(400, -32600, "Invalid Request: an empty batch.");
  return body;
}
