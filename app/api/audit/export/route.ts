import { handleAuditExport } from "@/lib/audit/export-endpoint";
import { getSessionUser } from "@/app/_auth/session";
import { appDeps } from "@/lib/deps";

export const dynamic = "force-dynamic";
export const GET = async (req: Request) => handleAuditExport(req, appDeps(), await getSessionUser());
