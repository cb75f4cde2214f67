import { appDeps } from "@/lib/deps";
import { handleAuthorize } from "@/lib/oauth/authorize/handle";

export const dynamic = "force-dynamic";
export const GET = (req: Request) => handleAuthorize(req, appDeps());
export const POST = (req: Request) => handleAuthorize(req, appDeps());
