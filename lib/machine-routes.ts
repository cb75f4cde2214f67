// The machine-to-machine endpoints of the web app, one table for both ways they are served:
// the Next.js route files under app/ export these handlers, and the web server's fast path
// (scripts/start/fast-path.ts) calls the same ones without Next.js, which costs more CPU than
// the endpoint's own work (docs/benchmarks.md, "After the web fast path"). Only methods listed
// here take the fast path; any other method, and any other spelling of a path, goes to
// Next.js as before. Every handler takes a plain Request and reads the client's address from
// the header the web server stamped (lib/auth/client-ip.ts), so both ways run the same checks.
import { appDeps, type Deps } from "./deps";
import { preflight } from "./http/cors";
import { messagingApi, type MessagingApiContext } from "./messaging/api/context";
import { handleMessagingResourceMetadata } from "./messaging/api/metadata";
import { handlePostMessage } from "./messaging/api/post-message";
import { handleIntrospection } from "./oauth/introspection";
import { handleJwks, handleMetadata } from "./oauth/metadata-handler";
import { handleRevocation } from "./oauth/revocation";
import { handleToken } from "./oauth/token/handle";

export type MachineHandler = (req: Request) => Response | Promise<Response>;
export type MachineMethod = "GET" | "POST" | "OPTIONS";
export type MachineRoute = Readonly<Partial<Record<MachineMethod, MachineHandler>>>;

export interface MachineRouteSources {
  deps: () => Deps;
  messaging: () => MessagingApiContext;
}

/** The table over the given dependencies (tests pass their own database and configuration). */
export function createMachineRoutes({ deps, messaging }: MachineRouteSources) {
  const token: MachineHandler = (req) => handleToken(req, deps());
  const introspect: MachineHandler = (req) => handleIntrospection(req, deps());
  const revoke: MachineHandler = (req) => handleRevocation(req, deps());
  return {
    // Any other method than POST gets the endpoint's own 405, JSON and no-store like every answer.
    "/oauth/token": { POST: token, GET: token, OPTIONS: preflight },
    "/oauth/introspect": { POST: introspect, GET: introspect, OPTIONS: preflight },
    "/oauth/revoke": { POST: revoke, GET: revoke, OPTIONS: preflight },
    "/oauth/jwks": { GET: (req) => handleJwks(req, deps()), OPTIONS: preflight },
    "/.well-known/oauth-authorization-server": { GET: (req) => handleMetadata(req, deps()), OPTIONS: preflight },
    // RFC 9728 protected resource metadata of the messaging API, at its path-inserted URL.
    "/.well-known/oauth-protected-resource/api/messages": { GET: () => handleMessagingResourceMetadata(deps().config) },
    "/api/messages": { POST: (req) => handlePostMessage(req, messaging()) },
  } as const satisfies Record<string, MachineRoute>;
}

export type MachineRoutes = ReturnType<typeof createMachineRoutes>;

/** The process's table, over the process-wide database and configuration. */
export const MACHINE_ROUTES: MachineRoutes = createMachineRoutes({ deps: appDeps, messaging: () => messagingApi(appDeps()) });

export type MachinePath = keyof MachineRoutes;

/** The handler for an exact path and method, or undefined (then Next.js answers). */
export function machineHandlerFor(routes: MachineRoutes, pathname: string, method: string | undefined): MachineHandler | undefined {
  if (!Object.hasOwn(routes, pathname)) return undefined;
  const route: MachineRoute = routes[pathname as MachinePath];
  return Object.hasOwn(route, method ?? "") ? route[method as MachineMethod] : undefined;
}
