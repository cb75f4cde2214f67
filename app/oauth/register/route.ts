import { appDeps } from "@/lib/deps";
import { preflight } from "@/lib/http/cors";
import { handleRegister } from "@/lib/oauth/clients/register";

export const dynamic = "force-dynamic";
export const POST = (req: Request) => handleRegister(req, appDeps());
export const OPTIONS = (req: Request) => preflight(req);
