import { appDeps } from "@/lib/deps";
import { preflight } from "@/lib/http/cors";
import { handleToken } from "@/lib/oauth/token/handle";

export const dynamic = "force-dynamic";
export const POST = (req: Request) => handleToken(req, appDeps());
// Any other method gets the endpoint's own 405, JSON and no-store like every answer here.
export const GET = (req: Request) => handleToken(req, appDeps());
export const OPTIONS = (req: Request) => preflight(req);
