// The loopback redirect target for the authorization code flow (RFC 8252 section 7.3): a
// one-shot HTTP server on 127.0.0.1 and a port the OS picks. The issuer accepts any port on
// loopback redirect URIs.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface LoopbackCallback {
  redirectUrl: string;
  /** Resolves with the code once the browser comes back with one and the right state. */
  waitForCode(expectedState: () => string | undefined, timeoutMs?: number): Promise<string>;
  close(): void;
}

const page = (title: string, text: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font-family:sans-serif"><h1>${title}</h1><p>${text}</p></body>`;

export async function startLoopbackCallback(): Promise<LoopbackCallback> {
  let deliver: ((result: { code?: string; error?: string; state?: string }) => void) | undefined;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname !== "/callback") return void res.writeHead(404).end();
    const error = url.searchParams.get("error") ?? undefined;
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
    res.end(error ? page("Not approved", "The request was not approved. You can close this tab.") : page("Approved", "You can close this tab and return to your agent."));
    deliver?.({ code: url.searchParams.get("code") ?? undefined, error, state: url.searchParams.get("state") ?? undefined });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    redirectUrl: `http://127.0.0.1:${port}/callback`,
    waitForCode(expectedState, timeoutMs = 10 * 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("timed out waiting for the approval")), timeoutMs);
        deliver = ({ code, error, state }) => {
          clearTimeout(timer);
          // RFC 6749 section 10.12: the state must be the one we sent (CSRF on the redirect).
          if (state !== expectedState()) return reject(new Error("the callback's state does not match the request"));
          if (error || !code) return reject(new Error(`authorization failed: ${error ?? "no code"}`));
          resolve(code);
        };
      });
    },
    close: () => server.close(),
  };
}
