import { appDeps } from "@/lib/deps";
import { preflight } from "@/lib/http/cors";
import { handleRevocation } from "@/lib/oauth/revocation";

export const dynamic = "force-dynamic";
export const POST = (req: Request) => handleRevocation(req, appDeps());
export const OPTIONS = (req: Request) => preflight(req);
