import { appDeps } from "@/lib/deps";
import { handleDeviceAuthorization } from "@/lib/oauth/device/authorization";

export const dynamic = "force-dynamic";
export const POST = (req: Request) => handleDeviceAuthorization(req, appDeps());
