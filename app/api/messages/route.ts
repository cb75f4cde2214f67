// Served by the web server's fast path without Next.js; this file keeps the route for Next.js
// itself (other methods, HEAD, dev tools). One handler for both: lib/machine-routes.ts.
import { MACHINE_ROUTES } from "@/lib/machine-routes";

export const dynamic = "force-dynamic";
const route = MACHINE_ROUTES["/api/messages"];
export const POST = route.POST;
