import { appDeps } from "@/lib/deps";
import { preflight } from "@/lib/http/cors";
import { handlePar } from "@/lib/oauth/authorize/par";

export const dynamic = "force-dynamic";
export const POST = (req: Request) => handlePar(req, appDeps());
export const OPTIONS = (req: Request) => preflight(req);
