// Served by the web server's fast path without Next.js; this file keeps the route for Next.js
// itself (other methods, HEAD, dev tools). One handler for both: lib/machine-routes.ts.
import { MACHINE_ROUTES } from "@/lib/machine-routes";

export const dynamic = "force-dynamic";
const route = MACHINE_ROUTES["/oauth/revoke"];
export const POST = route.POST;
export const GET = route.GET;
export const OPTIONS = route.OPTIONS;
