// Dynamic Client Registration (RFC 7591 section 3). Open registration, rate limited per
// address. The answer is 201 with the full registered metadata (redirect_uris included) and,
// for a confidential client, its secret, shown once and stored only as a hash.
import { randomBytes } from "node:crypto";
import { clientIp } from "../../auth/client-ip";
import { writeTransaction } from "../../db";
import type { Deps } from "../../deps";
import { readOAuthJsonObject } from "../body";
import { withCors } from "../../http/cors";
import { consumeRateLimit } from "../../rate-limit";
import { OAuthError, oauthErrorResponse, oauthJsonResponse } from "../errors";
import { insertClient } from "./create";
import { validateClientMetadata } from "./validate-metadata";

async function checkRateLimit(req: Request, deps: Deps): Promise<void> {
  const ip = clientIp(req.headers) ?? "unknown";
  const result = await consumeRateLimit(deps.db, `register:ip:${ip}`, { limit: deps.config.registrationsPerAddressPerHour, windowSeconds: 3600 }, deps.now());
  if (!result.allowed) {
    throw new OAuthError("temporarily_unavailable", "too many client registrations from this address; try again later", {
      status: 429,
      headers: { "Retry-After": String(result.retryAfterSeconds) },
    });
  }
}

export async function handleRegister(req: Request, deps: Deps): Promise<Response> {
  try {
    await checkRateLimit(req, deps);
    const metadata = validateClientMetadata(await readOAuthJsonObject(req));
    const now = deps.now();
    const id = randomBytes(16).toString("base64url");
    const { client, secret } = await writeTransaction(deps.db, (tx) =>
      insertClient(tx, { id, kind: "dynamic", metadata, createdAt: now }, { type: "agent", id }),
    );
    const body = {
      client_id: client.id,
      client_id_issued_at: Math.floor(now.getTime() / 1000),
      ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
      ...metadata,
    };
    return withCors(req, oauthJsonResponse(body, { status: 201 }));
  } catch (err) {
    return withCors(req, oauthErrorResponse(err));
  }
}
