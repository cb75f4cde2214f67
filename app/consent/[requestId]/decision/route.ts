import { getSessionUser } from "@/app/_auth/session";
import { handleConsentDecision } from "@/lib/consent/post-handler";
import { appDeps } from "@/lib/deps";

export const dynamic = "force-dynamic";

export async function POST(req: Request, { params }: { params: Promise<{ requestId: string }> }) {
  const { requestId } = await params;
  const user = await getSessionUser();
  return handleConsentDecision(req, appDeps(), { requestId, userId: user?.id ?? null });
}
