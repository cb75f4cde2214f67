import { handleGetMessage } from "@/lib/messaging/api/get-message";
import { messagingApi } from "@/lib/messaging/api/context";
import { appDeps } from "@/lib/deps";

export const dynamic = "force-dynamic";

export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  return handleGetMessage(req, messagingApi(appDeps()), (await params).id);
}
