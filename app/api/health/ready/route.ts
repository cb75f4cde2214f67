import { db } from "@/lib/db";
import { handleReady } from "@/lib/health";

export const dynamic = "force-dynamic";
export const GET = () => handleReady(db);
