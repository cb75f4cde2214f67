import { getSessionUser } from "@/app/_auth/session";
import { handleExtensionDecision } from "@/lib/consent/extension-decision";
import { appDeps } from "@/lib/deps";

export const dynamic = "force-dynamic";

export async function POST(req: Request, { params }: { params: Promise<{ extensionId: string }> }) {
  const { extensionId } = await params;
  const user = await getSessionUser();
  return handleExtensionDecision(req, appDeps(), { id: extensionId, userId: user?.id ?? null });
}
