import { appDeps } from "@/lib/deps";
import { preflight } from "@/lib/http/cors";
import { handleIntrospection } from "@/lib/oauth/introspection";

export const dynamic = "force-dynamic";
export const POST = (req: Request) => handleIntrospection(req, appDeps());
// Any other method gets the endpoint's own 405, JSON and no-store like every answer here.
export const GET = (req: Request) => handleIntrospection(req, appDeps());
export const OPTIONS = (req: Request) => preflight(req);
