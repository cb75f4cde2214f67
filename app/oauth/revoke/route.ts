import { appDeps } from "@/lib/deps";
import { preflight } from "@/lib/http/cors";
import { handleRevocation } from "@/lib/oauth/revocation";

export const dynamic = "force-dynamic";
export const POST = (req: Request) => handleRevocation(req, appDeps());
// Any other method gets the endpoint's own 405, JSON and no-store like every answer here.
export const GET = (req: Request) => handleRevocation(req, appDeps());
export const OPTIONS = (req: Request) => preflight(req);
