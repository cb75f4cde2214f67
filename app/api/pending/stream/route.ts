// The signed-in user's pending requests as Server-Sent Events (the home page's live list).
import { getSessionUser } from "@/app/_auth/session";
import { watchSession } from "@/lib/auth/session-watch";
import { appDeps } from "@/lib/deps";
import { pendingStreamResponse } from "@/lib/pending/feed";

export const dynamic = "force-dynamic";

export async function GET(req: Request): Promise<Response> {
  const user = await getSessionUser();
  if (!user) return Response.json({ error: "sign in first" }, { status: 401, headers: { "Cache-Control": "no-store" } });
  const { db } = appDeps();
  return pendingStreamResponse(db, user.id, req.signal, { sessionLive: await watchSession(db, user.id) });
}
