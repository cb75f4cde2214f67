// The pending list as JSON: the polling fallback of the live feed (see ./stream).
import { getSessionUser } from "@/app/_auth/session";
import { appDeps } from "@/lib/deps";
import { pendingSnapshot } from "@/lib/pending/feed";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const user = await getSessionUser();
  if (!user) return Response.json({ error: "sign in first" }, { status: 401, headers: { "Cache-Control": "no-store" } });
  const deps = appDeps();
  return Response.json(await pendingSnapshot(deps.db, user.id, deps.now()), { headers: { "Cache-Control": "no-store" } });
}
