import { appDeps } from "@/lib/deps";
import { preflight } from "@/lib/http/cors";
import { handleMetadata } from "@/lib/oauth/metadata-handler";

export const dynamic = "force-dynamic";
export const GET = (req: Request) => handleMetadata(req, appDeps());
export const OPTIONS = (req: Request) => preflight(req);
