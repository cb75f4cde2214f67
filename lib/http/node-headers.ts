// A node:http request's headers as Web `Headers`, for the two places that hand a Node request to
// a Request -> Response handler (the web server's fast path, the MCP server's adapter).
// req.headers, not rawHeaders: Node has already dropped duplicates of single-valued fields such
// as Authorization, and the web server's address stamp is applied there.
import type { IncomingMessage } from "node:http";

export function webHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  return headers;
}
