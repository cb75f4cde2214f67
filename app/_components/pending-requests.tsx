// The home page's list of requests waiting for the signed-in user (CIBA and device flows).
// Rendered on the server first, then kept live in the browser (pending-requests-live.tsx).
import { getSessionUser } from "@/app/_auth/session";
import { appDeps } from "@/lib/deps";
import { pendingSnapshot } from "@/lib/pending/feed";
import { PendingRequestsLive } from "./pending-requests-live";

export async function PendingRequests() {
  const user = await getSessionUser();
  if (!user) return null;
  const deps = appDeps();
  const initial = await pendingSnapshot(deps.db, user.id, deps.now());
  return <PendingRequestsLive initial={initial} />;
}
