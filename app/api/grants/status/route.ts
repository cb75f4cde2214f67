import { appDeps } from "@/lib/deps";
import { handleGrantStatus } from "@/lib/grants/status-endpoint";

export const dynamic = "force-dynamic";
export const GET = (req: Request) => handleGrantStatus(req, appDeps());
