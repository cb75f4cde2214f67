// The device authorization endpoint (RFC 8628 section 3.1-3.2): an agent in a terminal asks
// for access, gets a device_code to poll with and a short user_code the user types at
// /device, on any browser where they are signed in, then decides on the consent page.
import type { Deps } from "../../deps";
import { writeTransaction } from "../../db";
import { authenticateClient } from "../clients/authenticate";
import { OAuthError, oauthErrorResponse, oauthJsonResponse } from "../errors";
import { GRANT_TYPES } from "../supported";
import { consumeRateLimit, retryAfterHeader } from "../../rate-limit";
import { hashHandle, newHandle } from "../handles";
import { checkClientGrantType, checkRequestedAccess, readForm } from "../request-params";
import { storePendingRequest } from "../pending-request";
import { generateUserCode } from "./user-code";

export const DEVICE_AUTHORIZATION_PATH = "/oauth/device_authorization";
export const DEVICE_PAGE_PATH = "/device";
const CLIENT_REQUESTS_PER_MINUTE = 30;

function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "P2002";
}

export async function handleDeviceAuthorization(req: Request, deps: Deps): Promise<Response> {
  try {
    const form = await readForm(req);
    const client = await authenticateClient(req, form, deps);
    checkClientGrantType(client, GRANT_TYPES.deviceCode);
    const request = checkRequestedAccess(form, deps.config, client);
    const limit = await consumeRateLimit(deps.db, `device:client:${client.id}`, { limit: CLIENT_REQUESTS_PER_MINUTE, windowSeconds: 60 }, deps.now());
    if (!limit.allowed) throw new OAuthError("slow_down", "too many device authorization requests; retry later", { status: 429, headers: retryAfterHeader(limit) });

    const now = deps.now();
    const ttl = deps.config.deviceCodeTtlSeconds;
    const deviceCode = newHandle();
    // A user code may collide with an old one (unique column): draw again.
    for (let attempt = 1; ; attempt++) {
      const userCode = generateUserCode();
      try {
        await writeTransaction(deps.db, (tx) =>
          storePendingRequest(tx, now, {
            flow: "device",
            clientId: client.id,
            access: request,
            ttlSeconds: ttl,
            columns: { deviceCodeHash: hashHandle(deviceCode), userCode, pollInterval: deps.config.pollIntervalSeconds },
          }),
        );
      } catch (err) {
        if (attempt < 5 && isUniqueViolation(err)) continue;
        throw err;
      }
      const verificationUri = `${deps.config.issuerUrl}${DEVICE_PAGE_PATH}`;
      return oauthJsonResponse({
        device_code: deviceCode,
        user_code: userCode,
        verification_uri: verificationUri,
        verification_uri_complete: `${verificationUri}?user_code=${encodeURIComponent(userCode)}`,
        expires_in: ttl,
        interval: deps.config.pollIntervalSeconds,
      });
    }
  } catch (err) {
    return oauthErrorResponse(err);
  }
}
