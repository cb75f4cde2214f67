// A path whose percent-encoding does not decode to UTF-8 (a lone surrogate such as %ED%A0%80,
// a stray %) names no page of ours, and Next.js answers it with a 500 from its own router.
// The web server refuses it first with a plain 400, as every other malformed input is refused.
import type { IncomingMessage, ServerResponse } from "node:http";

export function isMalformedPath(url: string | undefined): boolean {
  const path = (url ?? "/").split("?", 1)[0] ?? "/";
  try {
    decodeURIComponent(path);
    return false;
  } catch {
    return true;
  }
}

/** Answers 400 and returns true when the request's path cannot be decoded. */
export function refuseMalformedPath(req: IncomingMessage, res: ServerResponse): boolean {
  if (!isMalformedPath(req.url)) return false;
  res.writeHead(400, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" }).end("Bad request: the path is not valid percent-encoded UTF-8.\n");
  return true;
}
