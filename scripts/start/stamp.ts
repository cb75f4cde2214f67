// The web server's one job before Next.js sees a request: derive the client's address from the
// socket's peer (and X-Forwarded-For, as far as TRUST_PROXY says) and stamp it in a header of
// our own, replacing any copy the client sent (lib/auth/client-ip.ts).
import type { IncomingMessage } from "node:http";
import { CLIENT_ADDRESS_HEADER, deriveClientAddress } from "../../lib/auth/client-ip";

export function stampClientAddress(req: IncomingMessage, trustProxy: number): void {
  const address = deriveClientAddress(req.socket.remoteAddress, req.headers["x-forwarded-for"], trustProxy);
  delete req.headers[CLIENT_ADDRESS_HEADER];
  if (address) req.headers[CLIENT_ADDRESS_HEADER] = address;
}
