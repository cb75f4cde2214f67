// The /device page's step: the signed-in user enters the user_code, and the pending device
// request becomes theirs to decide on the consent page. The first user to claim a code owns
// it; the same user may enter it again. Attempts are rate-limited per user so codes cannot
// be guessed (RFC 8628 section 5.1).
import type { Deps } from "../../deps";
import { writeTransaction } from "../../db";
import { consumeRateLimit } from "../../rate-limit";
import { normalizeUserCode } from "./user-code";

export type ClaimResult = { ok: true; requestId: string } | { ok: false; error: string };

const ATTEMPTS_PER_MINUTE = 10;

export async function claimUserCode(deps: Deps, userId: string, input: string): Promise<ClaimResult> {
  const limit = await consumeRateLimit(deps.db, `device:user:${userId}`, { limit: ATTEMPTS_PER_MINUTE, windowSeconds: 60 }, deps.now());
  if (!limit.allowed) return { ok: false, error: `Too many attempts. Try again in ${limit.retryAfterSeconds} seconds.` };
  const userCode = normalizeUserCode(input);
  if (!userCode) return { ok: false, error: "That is not a valid code. Codes look like WDJB-MJHT." };
  const now = deps.now();
  return writeTransaction(deps.db, async (tx): Promise<ClaimResult> => {
    const request = await tx.authorizationRequest.findUnique({ where: { userCode } });
    if (!request || request.flow !== "device") return { ok: false, error: "No request matches that code. Check it and try again." };
    if (request.status !== "pending") return { ok: false, error: "That code was already used." };
    if (request.expiresAt.getTime() <= now.getTime()) return { ok: false, error: "That code has expired. Ask the agent for a new one." };
    if (request.userId && request.userId !== userId) return { ok: false, error: "That code was already used." };
    if (!request.userId) {
      const claimed = await tx.authorizationRequest.updateMany({ where: { id: request.id, userId: null, status: "pending" }, data: { userId } });
      if (claimed.count !== 1) return { ok: false, error: "That code was already used." };
    }
    return { ok: true, requestId: request.id };
  });
}
