import { messagingApi } from "@/lib/messaging/api/context";
import { handlePostMessage } from "@/lib/messaging/api/post-message";
import { appDeps } from "@/lib/deps";

export const dynamic = "force-dynamic";

export const POST = (req: Request) => handlePostMessage(req, messagingApi(appDeps()));
