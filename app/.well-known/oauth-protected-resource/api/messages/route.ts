// Protected resource metadata (RFC 9728) for the messaging API, at the path-inserted
// well-known URL its 401 challenges point to.
import { messagingResourceMetadata } from "@/lib/messaging/api/metadata";
import { appDeps } from "@/lib/deps";

export const dynamic = "force-dynamic";

export const GET = () =>
  Response.json(messagingResourceMetadata(appDeps().config), { headers: { "Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=300" } });
