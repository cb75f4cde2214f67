import { appDeps } from "@/lib/deps";
import { handleGrantStatus } from "@/lib/oauth/grant-status-endpoint";

export const dynamic = "force-dynamic";
export const GET = (req: Request) => handleGrantStatus(req, appDeps());
