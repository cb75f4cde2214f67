// The web server's fast path: the machine-to-machine endpoints (lib/machine-routes.ts) are
// answered by the framework-free core's Request -> Response handlers directly, because routing
// a request through Next.js costs several times the endpoint's own work (docs/benchmarks.md,
// "After the web fast path"). The web server runs its own checks first (malformed path refusal,
// the client's address stamp), exactly as for Next.js; the handlers enforce body limits, rate
// limits, CORS and Cache-Control themselves, and the headers Next.js would add from
// next.config.ts come from the same rules (lib/http/security-headers.ts).
import type { IncomingMessage, ServerResponse } from "node:http";
import { toWebRequest } from "../../lib/http/node-request";
import { securityHeadersFor } from "../../lib/http/security-headers";
import { machineHandlerFor, type MachineHandler, type MachineRoutes } from "../../lib/machine-routes";
import { errorMessage } from "../../lib/error-message";

function pathnameOf(url: string): string {
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
}

/**
 * The request's URL as Next.js builds it for a route handler in a custom server: the server's
 * own host and port, with https when X-Forwarded-Proto says so (next-server.ts attachRequestMeta).
 */
function requestUrl(req: IncomingMessage, host: string): string {
  const protocol = req.headers["x-forwarded-proto"]?.includes("https") ? "https" : "http";
  return `${protocol}://${host}${req.url ?? "/"}`;
}

/** Writes a handler's answer, the path's security headers first so the handler's own win. */
export async function writeWebResponse(res: ServerResponse, pathname: string, response: Response): Promise<void> {
  for (const [name, value] of securityHeadersFor(pathname)) res.setHeader(name, value);
  const cookies = response.headers.getSetCookie();
  for (const [name, value] of response.headers) if (name !== "set-cookie") res.setHeader(name, value);
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);
  const body = response.body ? Buffer.from(await response.arrayBuffer()) : undefined;
  res.statusCode = response.status;
  res.end(body);
}

async function serve(handler: MachineHandler, req: IncomingMessage, res: ServerResponse, pathname: string, host: string): Promise<void> {
  try {
    let request: Request;
    try {
      // The web server's stamp (./stamp.ts) is in req.headers, which the request's headers copy.
      request = await toWebRequest(req, requestUrl(req, host));
    } catch {
      // The client went away before its declared body arrived: nobody is left to answer.
      res.destroy();
      return;
    }
    await writeWebResponse(res, pathname, await handler(request));
  } catch (err) {
    // The handlers answer every expected failure themselves; this is a bug, answered as Next.js does.
    console.error("web server: unexpected error:", errorMessage(err));
    if (!res.headersSent) res.writeHead(500).end();
    else res.destroy();
  }
}

/**
 * Answers the request when its exact path and method are a machine route and returns true;
 * returns false for everything else, which Next.js then serves. `host` is the host and port
 * Next.js puts in request URLs (the bind address, bracketed when IPv6, and the port).
 */
export function serveMachineRoute(routes: MachineRoutes, req: IncomingMessage, res: ServerResponse, host: string): boolean {
  const pathname = pathnameOf(req.url ?? "/");
  const handler = machineHandlerFor(routes, pathname, req.method);
  if (!handler) return false;
  void serve(handler, req, res, pathname, host);
  return true;
}
