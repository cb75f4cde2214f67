import { appDeps } from "@/lib/deps";
import { preflight } from "@/lib/http/cors";
import { handleIntrospection } from "@/lib/oauth/introspection";

export const dynamic = "force-dynamic";
export const POST = (req: Request) => handleIntrospection(req, appDeps());
export const OPTIONS = (req: Request) => preflight(req);
