import { checkpointSigner } from "@/lib/audit/audit-trail";
import { handleCheckpoints } from "@/lib/audit/checkpoints-endpoint";
import { appDeps } from "@/lib/deps";

export const dynamic = "force-dynamic";
export const GET = (req: Request) => {
  const deps = appDeps();
  return handleCheckpoints(req, deps, checkpointSigner(deps.config));
};
