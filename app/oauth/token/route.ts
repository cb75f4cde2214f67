import { appDeps } from "@/lib/deps";
import { preflight } from "@/lib/http/cors";
import { handleToken } from "@/lib/oauth/token/handle";

export const dynamic = "force-dynamic";
export const POST = (req: Request) => handleToken(req, appDeps());
export const OPTIONS = (req: Request) => preflight(req);
