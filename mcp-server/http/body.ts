// Reading a JSON-RPC request body with the project's one reader (lib/http/body.ts): the right
// content type, a size limit checked while streaming, valid JSON, storable text. Every failure
// is a 4xx with a JSON-RPC error object; nothing here can take the process down.
import { BodyError as ReadError, readJsonBody } from "@/lib/http/body";

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

/** JSON-RPC 2.0 section 5.1: -32700 for JSON that cannot be parsed, -32600 for anything else refused. */
function rpcError(err: ReadError): BodyError {
  const message = `${err.message.charAt(0).toUpperCase()}${err.message.slice(1)}.`;
  if (err.code === "malformed_body") return new BodyError(400, -32700, `Parse error: ${err.message}.`);
  return new BodyError(err.status, -32600, message);
}

export async function readJsonRpcBody(req: Request, options: { limit?: number; maxBatch: number }): Promise<unknown> {
  let body: unknown;
  try {
    body = await readJsonBody(req, options.limit ?? MAX_BODY_BYTES);
  } catch (err) {
    if (err instanceof ReadError) throw rpcError(err);
    throw err;
  }
  // JSON-RPC 2.0 section 6: an empty batch is an Invalid Request, answered with one error (the
  // SDK would take it for a batch of notifications and answer 202 Accepted).
  if (Array.isArray(body) && body.length === 0) throw new BodyError(400, -32600, "Invalid Request: an empty batch.");
  // Every call in a batch is authorized and audited on its own: a cap keeps one request from
  // becoming thousands of audited transactions (docs/mcp-clients.md).
  if (Array.isArray(body) && body.length > options.maxBatch) {
    throw new BodyError(400, -32600, `Invalid Request: a batch may hold at most ${options.maxBatch} messages.`);
  }
  return body;
}
