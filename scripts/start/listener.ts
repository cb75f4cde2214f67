// What the web server does with each request, in order: refuse a malformed path (400), stamp
// the client's address, answer a machine route on the fast path, hand anything else to Next.js.
// Every request passes the first two steps, whichever way it is answered.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { MachineRoutes } from "../../lib/machine-routes";
import { serveMachineRoute } from "./fast-path";
import { refuseMalformedPath } from "./malformed-path";
import { stampClientAddress } from "./stamp";
import { errorMessage } from "../../lib/error-message";

export interface ListenerOptions {
  trustProxy: number;
  /** The host and port of request URLs, as Next.js builds them (./fast-path.ts). */
  host: string;
  /** The fast path's table; without it (WEB_FAST_PATH=0) every request goes to Next.js. */
  routes?: MachineRoutes;
  /** Next.js's request handler. */
  next: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

export function createRequestListener({ trustProxy, host, routes, next }: ListenerOptions) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    if (refuseMalformedPath(req, res)) return;
    stampClientAddress(req, trustProxy);
    if (routes && serveMachineRoute(routes, req, res, host)) return;
    next(req, res).catch((err: unknown) => {
      console.error("web server: unexpected error:", errorMessage(err));
      if (!res.headersSent) res.writeHead(500).end();
    });
  };
}
