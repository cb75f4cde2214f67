import { appDeps } from "@/lib/deps";
import { handleBackchannel } from "@/lib/oauth/ciba/backchannel";

export const dynamic = "force-dynamic";
export const POST = (req: Request) => handleBackchannel(req, appDeps());
